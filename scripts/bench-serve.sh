#!/usr/bin/env bash
# Benchmark: serve under load from wrk (Debian's HTTP load generator, one thread) on loopback: PNG uploads at concurrency 1,
# 8 and 64 beside the same model's batched inference in-process (the ceiling), then a load run across 10
# promotions and rollbacks of the champion. Printed and written to target/bench/bench-serve.json.
# Usage: scripts/bench-serve.sh [ARCHITECTURE[@CxHxW],...] [ROUNDS] [SECONDS]
#   e.g. scripts/bench-serve.sh seed-cnn,deep-cnn,resnet18@3x32x32 3 5   (input 1x28x28 unless given)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$HERE/scripts/lib/setup.sh"
prepare_machine
cd "$HERE"
command -v wrk >/dev/null || _apt_install wrk
prepare_bench_classes
export OMP_NUM_THREADS=1
lscpu | grep -E "Model name|Flags" | cut -c1-200
# The collector scripts/spark-cnn gives serve, for the served runs and the in-process ceiling alike.
"$JAVA" $(java17_flags) -XX:+UseZGC -Dlog4j2.configurationFile="$HERE/conf/log4j2.properties" \
  -cp "target/test-classes:target/classes:$(cat target/test.classpath)" \
  io.sparkcnn.bench.ServeBench "${1:-seed-cnn,deep-cnn,resnet18@3x32x32}" "${2:-3}" "${3:-5}" target/bench/bench-serve.json
