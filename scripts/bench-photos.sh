#!/usr/bin/env bash
# Benchmark: ResNet-18 on a lake of real photographs, spark-cnn on local[2] beside PyTorch 1.13 on two threads
# (io.sparkcnn.bench.PhotoBench and scripts/lib/torch_photos.py: the same network, images, augmentation,
# minibatch and optimiser, epochs interleaved). The lake (scripts/lib/photo_lake.py) is cut from the photographs
# Debian's mate-backgrounds and python3-skimage ship: CLASSES classes (one photograph each) of PER_CLASS training
# and PER_CLASS/10 held-out JPEGs of 160-320 px, made once under target/bench (never committed).
# Runs 96x96 (ImageNet stem, up to EPOCHS epochs for spark-cnn, 2 for PyTorch), then 224x224 on SMALL_PER_CLASS
# images per class (one epoch each). spark-cnn runs with the encoded cache and the JVM's default heap.
# Prints tables; writes target/bench/bench-photos.json (and bench-photos-96.json, bench-photos-224.json).
# Usage: scripts/bench-photos.sh [CLASSES, 10] [PER_CLASS, 1000] [EPOCHS, 4] [TORCH_SETTINGS,
#        "cached,cached-channels-last"] [SMALL_PER_CLASS, 50]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$HERE/scripts/lib/setup.sh"
prepare_machine
ensure_torch
ensure_photo_bench
cd "$HERE"
CLASSES=${1:-10}
PER_CLASS=${2:-1000}
EPOCHS=${3:-4}
TORCH=${4-cached,cached-channels-last}
SMALL=${5:-50}
mvn -B -q -DskipTests test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/test.classpath >/dev/null
mkdir -p target/bench
lscpu | grep -E "Model name|Flags" | cut -c1-200
echo "bench-photos: making the photo lakes (once)" >&2
/usr/bin/python3 scripts/lib/photo_lake.py target/bench/photo-lake "$CLASSES" "$PER_CLASS" $(( (PER_CLASS + 9) / 10 ))
/usr/bin/python3 scripts/lib/photo_lake.py target/bench/photo-lake-small "$CLASSES" "$SMALL" $(( (SMALL + 9) / 10 ))
export OMP_NUM_THREADS=1
bench() { # size epochs torch-epochs lake out
  /usr/bin/time -f "bench-photos: peak RSS of the JVM %M kB" "$JAVA" $(java17_flags) \
    -Dlog4j2.configurationFile="$HERE/conf/log4j2.properties" -Dspark.driver.host=127.0.0.1 -Dspark.ui.enabled=false \
    -cp "target/test-classes:target/classes:$(cat target/test.classpath)" \
    io.sparkcnn.bench.PhotoBench "$4" "$1" "$2" "$3" "$TORCH" "$5" 2> >(grep -v -E "round [0-9]+/" >&2)
}
bench 96 "$EPOCHS" 2 target/bench/photo-lake target/bench/bench-photos-96.json | tee target/bench/bench-photos-96.txt
bench 224 1 1 target/bench/photo-lake-small target/bench/bench-photos-224.json | tee target/bench/bench-photos-224.txt
/usr/bin/python3 - <<'PY'
import json
runs = {size: json.load(open(f"target/bench/bench-photos-{size}.json")) for size in ("96", "224")}
json.dump(runs, open("target/bench/bench-photos.json", "w"), indent=1)
print("wrote target/bench/bench-photos.json")
PY
