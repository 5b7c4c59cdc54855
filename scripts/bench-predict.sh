#!/usr/bin/env bash
# Benchmark: batch predict end to end on the 60,000 Fashion-MNIST training PNGs (local[2]) with where its time
# goes, beside one core's decoding and inference ceilings measured in the same JVM; medians of interleaved
# rounds, printed and written to target/bench/bench-predict.json. Trains the main job's model first if
# out/fashion-mnist/model is missing.
# Usage: scripts/bench-predict.sh [ROUNDS]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$HERE/scripts/lib/setup.sh"
prepare_machine
cd "$HERE"
prepare_bench_classes
[[ -f out/fashion-mnist/model/_SUCCESS ]] || scripts/fashion-mnist.sh --set train.epochs=1 >/dev/null
export OMP_NUM_THREADS=1
lscpu | grep -E "Model name|Flags" | cut -c1-200
"$JAVA" $(java17_flags) -Dlog4j2.configurationFile="$HERE/conf/log4j2.properties" \
  -cp "target/test-classes:target/classes:$(cat target/test.classpath)" \
  io.sparkcnn.bench.PredictBench "$HERE/out/fashion-mnist/model" "$HERE/data/fashion-mnist/train" "${1:-3}" \
  target/bench/bench-predict.json
