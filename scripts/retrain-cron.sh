#!/usr/bin/env bash
# Scheduled retraining from cron: runs `spark-cnn retrain` through scripts/submit.sh and turns its exit code
# into one dated log line. Exits 0 for every outcome a schedule expects (promoted, champion kept, nothing to
# do, locked by a run still going), non-zero only when the job failed, so cron mails only real failures.
#
# Example crontab line (every night at 02:15, log appended):
#   15 2 * * * RETRAIN_CONF=/etc/spark-cnn/shoes.conf RETRAIN_SUBMIT_OPTS="--master yarn --properties-file /opt/spark-cnn/conf/submit-yarn.properties" /opt/spark-cnn/scripts/retrain-cron.sh >> /var/log/spark-cnn/retrain-shoes.log 2>&1
#
# Environment:
#   RETRAIN_CONF         the job config (data.train, registry.dir, registry.model, retrain.*); required
#   RETRAIN_SUBMIT_OPTS  spark-submit options (default: --master local[2]). Keep the client deploy mode: only
#                        there is spark-submit's exit code the driver's (see README, "Scheduled retraining").
#   RETRAIN_SET          extra key=value overrides, space-separated (e.g. "retrain.tolerance=0.01")
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${RETRAIN_CONF:?set RETRAIN_CONF to the job config file}"
read -r -a submit_opts <<< "${RETRAIN_SUBMIT_OPTS:---master local[2]}"
overrides=()
for kv in ${RETRAIN_SET:-}; do overrides+=(--set "$kv"); done

stamp() { date -u +%Y-%m-%dT%H:%M:%SZ; }
echo "$(stamp) retrain-cron: starting (conf $RETRAIN_CONF)"
"$HERE/scripts/submit.sh" "${submit_opts[@]}" -- retrain --conf "$RETRAIN_CONF" "${overrides[@]}"
rc=$?
# The exit codes of spark-cnn retrain (io.sparkcnn.cli.SparkCnn).
case $rc in
  0) echo "$(stamp) retrain-cron: PROMOTED: the challenger is the new champion" ;;
  4) echo "$(stamp) retrain-cron: KEPT CHAMPION: the challenger was worse by more than retrain.tolerance (recorded as rejected)" ;;
  5) echo "$(stamp) retrain-cron: NOTHING TO DO: no new training images since the last run" ;;
  6) echo "$(stamp) retrain-cron: LOCKED: another job holds the model's registry lock; this slot is skipped" ;;
  *) echo "$(stamp) retrain-cron: FAILED with exit code $rc (1 failure, 2 configuration, 3 data); see the log above"
     exit "$rc" ;;
esac
exit 0
