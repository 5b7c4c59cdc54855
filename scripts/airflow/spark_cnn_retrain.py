"""Airflow DAG: nightly spark-cnn retrain of one model, then a branch on its outcome.

Copy to the DAGs folder and set the Airflow Variables below (or edit the defaults). The retrain task calls
scripts/submit.sh in client deploy mode (spark-submit's exit code is then the driver's) and maps spark-cnn's
exit codes (README, "Scheduled retraining"):
  0 promoted      -> task succeeds, pushes "promoted"      -> branch: announce_new_champion
  4 kept champion -> task succeeds, pushes "kept-champion" -> branch: report_rejected_challenger
  5 nothing to do -> exit 99: Airflow marks the task skipped (and everything after it)
  6 locked        -> exit 99 too: another run still holds the model; the next slot tries again
  anything else   -> the task fails (1 failure, 2 configuration error, 3 data error); Airflow's retries apply
Needs Airflow 2.6 or newer (BashOperator.skip_on_exit_code).
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.models import Variable
from airflow.operators.bash import BashOperator
from airflow.operators.python import BranchPythonOperator

SPARK_CNN_HOME = Variable.get("spark_cnn_home", default_var="/opt/spark-cnn")
JOB_CONF = Variable.get("spark_cnn_retrain_conf", default_var="/etc/spark-cnn/shoes.conf")
SUBMIT_OPTS = Variable.get(
    "spark_cnn_submit_opts",
    default_var="--master yarn --properties-file /opt/spark-cnn/conf/submit-yarn.properties")

RETRAIN = f"""
set +e
"{SPARK_CNN_HOME}/scripts/submit.sh" {SUBMIT_OPTS} -- retrain --conf "{JOB_CONF}"
rc=$?
case $rc in
  0) echo promoted ;;
  4) echo kept-champion ;;
  5) echo "nothing to do" >&2; exit 99 ;;
  6) echo "locked by another run" >&2; exit 99 ;;
  *) exit $rc ;;
esac
"""

REGISTRY = f'"{SPARK_CNN_HOME}/scripts/submit.sh" --master local[1] -- registry --conf "{JOB_CONF}"'


def _branch(ti):
    outcome = ti.xcom_pull(task_ids="retrain")
    return "announce_new_champion" if outcome == "promoted" else "report_rejected_challenger"


with DAG(
    dag_id="spark_cnn_retrain",
    description="Retrain the champion on new images; promote only a challenger that is not worse",
    schedule="15 2 * * *",
    start_date=datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=15)},
    tags=["spark-cnn"],
) as dag:
    retrain = BashOperator(task_id="retrain", bash_command=RETRAIN, skip_on_exit_code=99,
                           execution_timeout=timedelta(hours=6))
    branch = BranchPythonOperator(task_id="branch_on_outcome", python_callable=_branch)
    announce = BashOperator(task_id="announce_new_champion", bash_command=REGISTRY + " show")
    report = BashOperator(task_id="report_rejected_challenger", bash_command=REGISTRY + " list")
    retrain >> branch >> [announce, report]
