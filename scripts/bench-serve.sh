#!/usr/bin/env bash
# Benchmark: serve under load from hey (Debian's HTTP load generator) on loopback: PNG uploads at concurrency 1,
# 8 and 64 beside the same model's batched inference in-process (the ceiling), then a load run across 10
# promotions and rollbacks of the champion. Printed and written to target/bench/bench-serve.json.
# Usage: scripts/bench-serve.sh [ARCHITECTURES] [ROUNDS] [SECONDS]    e.g. scripts/bench-serve.sh seed-cnn,deep-cnn 3 5
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$HERE/scripts/lib/setup.sh"
prepare_machine
cd "$HERE"
command -v hey >/dev/null || _apt_install hey
prepare_bench_classes
export OMP_NUM_THREADS=1
lscpu | grep -E "Model name|Flags" | cut -c1-200
"$JAVA" $(java17_flags) -Dlog4j2.configurationFile="$HERE/conf/log4j2.properties" \
  -cp "target/test-classes:target/classes:$(cat target/test.classpath)" \
  io.sparkcnn.bench.ServeBench "${1:-seed-cnn,deep-cnn}" "${2:-3}" "${3:-5}" target/bench/bench-serve.json
