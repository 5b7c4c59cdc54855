#!/usr/bin/env bash
# A real Spark standalone cluster on loopback, from the Spark jars this build resolved: one master and
# two workers (1 core, 3 GB each), for trying spark-submit without a Spark installation, and for tests.
#   scripts/local-cluster.sh start            # prints the master URL; state in target/local-cluster
#   scripts/local-cluster.sh stop             # stops exactly the processes start started (by pid)
#   scripts/local-cluster.sh run -- ARGS      # start, submit ARGS in client then cluster deploy mode, stop
# Environment: LOCAL_CLUSTER_DIR (state folder), LOCAL_CLUSTER_PORT (master port, default 17077).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$HERE/scripts/lib/java17.sh"
source "$HERE/scripts/lib/build.sh"
source "$HERE/scripts/lib/spark-home.sh"

STATE=${LOCAL_CLUSTER_DIR:-$HERE/target/local-cluster}
PORT=${LOCAL_CLUSTER_PORT:-17077}
MASTER=spark://127.0.0.1:$PORT

start() {
  if [[ -f $STATE/pids ]]; then
    echo "local-cluster: already started ($STATE/pids); stop it first" >&2
    return 2
  fi
  # shellcheck disable=SC2046
  [[ -f $(build_dir "$HERE")/provided.classpath ]] || (cd "$HERE" && mvn -B -q $(build_flags) -DskipTests package >&2)
  local home
  home=$(spark_home "$HERE")
  mkdir -p "$STATE/logs" "$STATE/work"
  : > "$STATE/pids"
  # Spark's launcher (used by workers to start executors and drivers) needs these outside a distribution.
  export SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=$(scala_binary_version)
  local common=("$JAVA" $(java17_flags) -Xmx512m -Dlog4j2.configurationFile="$home/conf/log4j2.properties"
                -Dspark.ui.enabled=false -cp "$home/jars/*")
  SPARK_HOME=$home "${common[@]}" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$PORT" \
    --webui-port 0 > "$STATE/logs/master.log" 2>&1 &
  echo $! >> "$STATE/pids"
  wait_for "$STATE/logs/master.log" "I have been elected leader" master
  for w in 1 2; do
    SPARK_HOME=$home SPARK_WORKER_DIR=$STATE/work/worker-$w "${common[@]}" org.apache.spark.deploy.worker.Worker \
      --host 127.0.0.1 --cores 1 --memory 3g --webui-port 0 --work-dir "$STATE/work/worker-$w" "$MASTER" \
      > "$STATE/logs/worker-$w.log" 2>&1 &
    echo $! >> "$STATE/pids"
  done
  for w in 1 2; do wait_for "$STATE/logs/worker-$w.log" "Successfully registered with master" "worker $w"; done
  echo "$MASTER"
}

wait_for() { # log, text, what
  for _ in $(seq 1 120); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.5
  done
  echo "local-cluster: $3 did not start within 60 s; see $1" >&2
  stop
  return 1
}

stop() {
  [[ -f $STATE/pids ]] || return 0
  local pid
  for pid in $(tac "$STATE/pids"); do kill "$pid" 2>/dev/null || true; done
  for pid in $(cat "$STATE/pids"); do
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  done
  # Executors and cluster-mode drivers are children of the workers; they die with them, but make sure.
  pkill -f -- "--work-dir $STATE/work" 2>/dev/null || true
  pkill -f -- "$STATE/work/worker-" 2>/dev/null || true
  rm -f "$STATE/pids"
}

# Whether the newest cluster-mode driver exited with status 0, as the worker that ran it logged.
driver_succeeded() {
  local driver
  driver=$(ls -td "$STATE"/work/worker-*/driver-* 2>/dev/null | head -1)
  [[ -n $driver ]] || return 1
  grep -q "Driver $(basename "$driver") exited successfully" "$STATE"/logs/worker-*.log
}

run() {
  [[ ${1:-} == -- ]] && shift
  start >/dev/null
  trap stop EXIT
  local mode status=0
  for mode in client cluster; do
    echo "local-cluster: submitting in $mode deploy mode: $*" >&2
    if ! "$HERE/scripts/submit.sh" --master "$MASTER" --deploy-mode "$mode" \
         --conf spark.standalone.submit.waitAppCompletion=true --conf spark.ui.enabled=false \
         --conf spark.executor.memory=2g --conf spark.driver.memory=1g -- "$@"; then
      echo "local-cluster: the $mode-mode job failed" >&2
      status=1
    elif [[ $mode == cluster ]] && ! driver_succeeded; then
      # spark-submit returns 0 in standalone cluster mode even when the driver fails: ask the worker.
      echo "local-cluster: the cluster-mode driver failed; its output is in $STATE/work/worker-*/driver-*/" >&2
      status=1
    fi
  done
  return $status
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  run) shift; run "$@" ;;
  *) echo "usage: scripts/local-cluster.sh start | stop | run -- <spark-cnn command and options>" >&2; exit 2 ;;
esac
