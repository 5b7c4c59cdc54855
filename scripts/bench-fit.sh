#!/usr/bin/env bash
# Benchmark: the Spark ML estimator's fit on an uncached `image` DataFrame against the train job on the same
# Fashion-MNIST PNGs (PER_CLASS of each class), one epoch each, local[2], interleaved rounds; medians printed
# and written to target/bench/bench-fit.json.
# Usage: scripts/bench-fit.sh [PER_CLASS] [ROUNDS]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$HERE/scripts/lib/setup.sh"
prepare_machine
cd "$HERE"
prepare_bench_classes
export OMP_NUM_THREADS=1
lscpu | grep -E "Model name|Flags" | cut -c1-200
"$JAVA" $(java17_flags) -Dlog4j2.configurationFile="$HERE/conf/log4j2.properties" \
  -Dorg.deeplearning4j.spark.time.TimeSource=org.deeplearning4j.spark.time.SystemClockTimeSource \
  -cp "target/test-classes:target/classes:$(cat target/test.classpath)" \
  io.sparkcnn.bench.FitBench data/fashion-mnist/train "${1:-600}" "${2:-3}" target/bench/bench-fit.json
