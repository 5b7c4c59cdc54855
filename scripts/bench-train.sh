#!/usr/bin/env bash
# Benchmark: the seed CNN on the Fashion-MNIST lake, minibatch 32 per worker, Adam 1e-3, epochs interleaved
# across (a) a single-JVM fit on one thread, (b) spark-cnn's trainer on local[2], (c) dl4j-spark's stock
# ParameterAveragingTrainingMaster on local[2] (Export, averaging frequency 20), one OpenMP thread per task,
# (d) PyTorch 1.13 on two threads (tuned, and tuned channels-last: scripts/lib/torch_train.py).
# Prints a table; writes target/bench/bench-train.json.   Usage: scripts/bench-train.sh [EPOCHS]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$HERE/scripts/lib/setup.sh"
prepare_machine
[[ -x /usr/bin/time ]] || _apt_install time
ensure_torch
cd "$HERE"
prepare_bench_classes
export OMP_NUM_THREADS=1
mkdir -p target/bench
/usr/bin/time -f "peak RSS %M kB, wall %e s, CPU %P" "$JAVA" $(java17_flags) -Xmx12g -Dlog4j2.configurationFile="$HERE/conf/log4j2.properties" \
  -Dorg.deeplearning4j.spark.time.TimeSource=org.deeplearning4j.spark.time.SystemClockTimeSource \
  -Dspark.driver.host=127.0.0.1 -Dspark.ui.enabled=false \
  -cp "target/test-classes:target/classes:$(cat target/test.classpath)" \
  io.sparkcnn.bench.TrainBench conf/fashion-mnist.conf "${1:-5}" 2> >(grep -v -E "round [0-9]+/" >&2) \
  | tee target/bench/bench-train.txt
