#!/usr/bin/env bash
# Benchmark: single-thread ingestion costs (listing, reading, decoding) on the Fashion-MNIST lake, each
# variant interleaved over several rounds, medians printed and written to target/bench/bench-ingest.json;
# then the whole inspect job on Spark local[2] (listing + decoding 70,000 files), timed.
# Usage: scripts/bench-ingest.sh [FILES] [ROUNDS]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$HERE/scripts/lib/setup.sh"
prepare_machine
cd "$HERE"
prepare_bench_classes
export OMP_NUM_THREADS=1
"$JAVA" $(java17_flags) -Dlog4j2.configurationFile="$HERE/conf/log4j2.properties" \
  -cp "target/test-classes:target/classes:$(cat target/test.classpath)" \
  io.sparkcnn.bench.IngestBench data/fashion-mnist/train "${1:-10000}" "${2:-5}" target/bench/bench-ingest.json
echo
echo "inspect on Spark local[2], 70,000 files:"
start=$(date +%s.%N)
scripts/spark-cnn inspect --conf conf/fashion-mnist.conf --set output.dir=target/bench/inspect 2>&1 \
  | grep -E "Listed|Decoded"
end=$(date +%s.%N)
printf "inspect wall time including JVM and Spark start: %.1f s\n" "$(echo "$end - $start" | bc)"
