#!/usr/bin/env bash
# Benchmark: how far parameter averaging scales. Three sections, each printing a table:
#   speed     the seed CNN on local[2] with K = 20 and with K chosen from measured fit time (the default),
#             against a single JVM on one thread and two free fits at once (the ceiling), epochs interleaved
#   rounds    an averaging round's fixed cost (broadcast, tasks, tree aggregation, merge; no fitting) on a
#             local-cluster of 2 to 16 executor JVMs for 0.05M to 25M parameters, and a cost model fitted to it
#   accuracy  deep-cnn with 2 and 8 workers at K = 20, K = 100, and K = 100 with the outer optimiser
# Writes target/bench/bench-scale-SECTION.json and merges them into target/bench/bench-scale.json.
# Usage: scripts/bench-scale.sh [speed|rounds|accuracy|all] [EPOCHS]   (default: all; speed 5 epochs, accuracy 3)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$HERE/scripts/lib/setup.sh"
prepare_machine
cd "$HERE"
prepare_bench_classes
# scripts/spark-cnn's launcher classpath is what the local-cluster executors load (rounds).
scripts/spark-cnn --help >/dev/null
export OMP_NUM_THREADS=1
mkdir -p target/bench
lscpu | grep -E "Model name|Flags" | cut -c1-200
CP="target/test-classes:target/classes:$(cat target/test.classpath)"
run() { # main class, args...
  "$JAVA" $(java17_flags) -Xmx8g -Dlog4j2.configurationFile="$HERE/conf/log4j2.properties" \
    -Dspark.driver.host=127.0.0.1 -Dspark.ui.enabled=false -Dbuild.dir=target -cp "$CP" "$@" \
    2> >(grep -v -E "round [0-9]+/|WARN|^\s*at |NativeOps|Loaded \[|Number of threads|Blas vendor|Backend used|Binary level|^$" >&2)
}
SECTION=${1:-all}
if [[ $SECTION == speed || $SECTION == all ]]; then
  run io.sparkcnn.bench.ScaleBench conf/fashion-mnist.conf speed "${2:-5}" target/bench/bench-scale-speed.json
fi
if [[ $SECTION == rounds || $SECTION == all ]]; then
  # Executors of 3000 MB up to 4 of them, less beyond: the largest exchanges run on fewer executors only.
  run io.sparkcnn.spark.training.RoundCostBench 2,4,8,16 0.05,1,4,11,25 11 5 target/bench/bench-scale-rounds.json \
    3000,3000,2000,1000
fi
if [[ $SECTION == accuracy || $SECTION == all ]]; then
  run io.sparkcnn.bench.ScaleBench conf/fashion-mnist.conf accuracy "${2:-3}" target/bench/bench-scale-accuracy.json \
    deep-cnn
fi
python3 - <<'PY'
import json, glob, os
merged = {}
for f in sorted(glob.glob("target/bench/bench-scale-*.json")):
    merged[os.path.basename(f)[len("bench-scale-"):-len(".json")]] = json.load(open(f))
json.dump(merged, open("target/bench/bench-scale.json", "w"), indent=2)
print("wrote target/bench/bench-scale.json")
PY
