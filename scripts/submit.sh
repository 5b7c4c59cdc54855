#!/usr/bin/env bash
# Submits a spark-cnn command to a Spark cluster with spark-submit: the shaded jar, the main class, the
# Java 17 flags for driver and executors, one OpenMP thread per task unless told otherwise, and the
# offline clock for dl4j-spark. spark-submit options go before "--", the spark-cnn command after it:
#   scripts/submit.sh --master spark://host:7077 --deploy-mode cluster -- train --conf conf/fashion-mnist.conf
#   scripts/submit.sh --master yarn --properties-file conf/submit-yarn.properties -- train --conf job.conf
# Uses $SPARK_HOME/bin/spark-submit when SPARK_HOME is set, else the Spark jars this build resolved.
# Job files and lakes must be readable where the driver runs (in cluster mode: on a worker).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$HERE/scripts/lib/java17.sh"
source "$HERE/scripts/lib/build.sh"
source "$HERE/scripts/lib/spark-home.sh"

spark_opts=()
while [[ $# -gt 0 && $1 != -- ]]; do spark_opts+=("$1"); shift; done
if [[ $# -eq 0 ]]; then
  echo "usage: scripts/submit.sh [spark-submit options] -- <spark-cnn command and options>" >&2
  exit 2
fi
shift

JAR=$(shaded_jar "$HERE")
# shellcheck disable=SC2046
[[ -f $(build_dir "$HERE")/provided.classpath ]] || (cd "$HERE" && mvn -B -q $(build_flags) -DskipTests package >&2)
HOME_DIR=$(spark_home "$HERE")
JVM_OPTS="$(java17_flags) -Dorg.deeplearning4j.spark.time.TimeSource=org.deeplearning4j.spark.time.SystemClockTimeSource"
OMP=${OMP_NUM_THREADS:-1}
export OMP_NUM_THREADS=$OMP

# compute.backend for the driver: this JVM in client mode; YARN's and Kubernetes' driver containers in cluster
# mode. Executors get it from the job (spark.executorEnv.*).
backend_conf=()
while IFS='=' read -r name value; do
  [[ -n $name ]] || continue
  export "$name=$value"
  backend_conf+=(--conf "spark.yarn.appMasterEnv.$name=$value" --conf "spark.kubernetes.driverEnv.$name=$value")
done < <("$JAVA" -cp "$HOME_DIR/jars/*:$JAR" io.sparkcnn.cli.BackendEnvironment "$@" 2>/dev/null || true)

if [[ -x $HOME_DIR/bin/spark-submit ]]; then
  submit=("$HOME_DIR/bin/spark-submit")
else
  # spark-submit is a thin wrapper around this class; in client mode this JVM becomes the driver.
  export SPARK_HOME=$HOME_DIR SPARK_SCALA_VERSION=${SPARK_SCALA_VERSION:-$(scala_binary_version)}
  # Like spark-class, the Hadoop and YARN configuration folders go on the classpath: --master yarn finds the
  # ResourceManager there, and the driver the default FileSystem.
  cp="$HOME_DIR/jars/*"
  for dir in ${HADOOP_CONF_DIR:-} ${YARN_CONF_DIR:-}; do cp="$dir:$cp"; done
  # shellcheck disable=SC2206
  submit=("$JAVA" $JVM_OPTS -Dlog4j2.configurationFile="$HERE/conf/log4j2.properties"
          -cp "$cp" org.apache.spark.deploy.SparkSubmit)
fi
exec "${submit[@]}" --class io.sparkcnn.cli.SparkCnn \
  --conf "spark.driver.extraJavaOptions=$JVM_OPTS" \
  --conf "spark.executor.extraJavaOptions=$JVM_OPTS" \
  --conf "spark.executorEnv.OMP_NUM_THREADS=$OMP" \
  --conf "spark.driverEnv.OMP_NUM_THREADS=$OMP" \
  "${backend_conf[@]}" "${spark_opts[@]}" "$JAR" "$@"
