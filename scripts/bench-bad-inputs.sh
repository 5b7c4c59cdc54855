#!/usr/bin/env bash
# Benchmark: what refusing each kind of bad image costs the decoder (a decompression bomb's header, a truncated
# JPEG, not an image, ...) against reading a good file's header and decoding a good file: time and heap
# allocated per file, medians of interleaved rounds, one thread; printed and written to
# target/bench/bench-bad-inputs.json.
# Usage: scripts/bench-bad-inputs.sh [ROUNDS]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$HERE/scripts/lib/setup.sh"
prepare_machine
cd "$HERE"
prepare_bench_classes
lscpu | grep -E "Model name|Flags" | cut -c1-200
"$JAVA" $(java17_flags) -Xmx2g -cp "target/test-classes:target/classes:$(cat target/test.classpath)" \
  io.sparkcnn.bench.BadInputBench "${1:-5}" target/bench/bench-bad-inputs.json
