#!/usr/bin/env bash
# Benchmark: one worker's speed on one thread (io.sparkcnn.bench.CoreBench: training images/s at minibatch 32
# with Adam, inference images/s at batch 256, GFLOP/s and % of this CPU's per-core peak, measured by
# scripts/lib/fma_peak.c: independent float FMAs in the widest vectors the CPU runs, at the clock it runs) per ND4J
# CPU build (nd4j-native 1.0.0-M2.1 classifiers) and with OPENBLAS_CORETYPE as the environment has it and unset.
# One JVM per measurement, variants interleaved, medians over the rounds. Prints a table; writes
# target/bench/bench-core.json (and every run to bench-core.jsonl). Also prints Adam's update loop, scalar against
# SIMD lanes (io.sparkcnn.kernels.AdamLoopBench, target/bench/adam-loops.txt), and inference's pooling planes
# pooled after bias and ReLU against pooled first (io.sparkcnn.kernels.PoolingPlanesBench, target/bench/pooling-planes.txt).
# Usage: scripts/bench-core.sh [SECONDS per measurement, 10] [ROUNDS, 3] [MODELS, "seed-cnn deep-cnn"; also
#        ARCH@CxHxW[:STEM], e.g. resnet18@3x96x96:imagenet or mobilenet-v2@3x32x32: Fashion-MNIST scaled to HxW
#        and repeated over C channels, on both sides]
#        [BUILDS, "linux-x86_64 linux-x86_64-avx2 linux-x86_64-avx512 linux-x86_64-onednn-avx512"]
#        [VARIANTS, "default dl4j-kernels"]: execution settings that keep the maths (CoreBench: default =
#        the project's defaults; no-onednn = convolutions (im2col, OpenBLAS) and batch norm in Java instead of oneDNN; no-blocked-copies = each oneDNN layer reorders its input from NCHW, DL4J's ReLU layers; no-blocked-inference = in inference each oneDNN layer also writes its NCHW output where only oneDNN layers read it; no-blocked-training = in training steps likewise; no-onednn-thin = convolutions of 1-3 input channels as im2col and OpenBLAS products; no-folding = in inference batch norms (and their ReLUs) run as layers instead of within the convolution before them; whole-batches = inference of each batch of 256 in one pass through the network (Network.output runs chunks of 32); switches combine with +, e.g. no-blocked-copies+whole-batches; no-onednn-adds = residual adds in DL4J's vertex on NCHW arrays; no-batch-norm-relu = in training steps the ReLU after a batch norm runs as its own layer instead of within the batch norm's primitive; paired:SWITCH = the network with SWITCH off beside the defaults in one JVM, blocks of about 0.3 s of each in turn (switches read when a network is built: no-blocked-copies, no-blocked-inference, no-blocked-training, no-folding, no-onednn-adds, no-batch-norm-relu), its "vs default" the median of its per-block ratios, the steadiest figure on a noisy machine; scalar-planes = the pooling planes in scalar code (no Vector API); dl4j-kernels = DL4J's own layer code; helpers-only = the kernels in DL4J's
#        helper slot without the fused layers; dl4j-native-helpers; nhwc;
#        workspaces-none; cache-none; cache-host) and env-omp-passive / env-omp-active (OMP_WAIT_POLICY).
#        [TORCH, "as-installed tuned tuned-channels-last"]: PyTorch 1.13 reference rows (Debian's python3-torch,
#        scripts/lib/torch_bench.py: same network, data and protocol) run in the same rounds, on one thread;
#        "" for none. as-installed = Debian's defaults; tuned = one OpenBLAS thread and glibc's malloc keeping
#        freed memory (no page faults per minibatch); tuned-channels-last = tuned with NHWC memory format.
# Each variant's speed is also given as the median, over rounds, of its ratio to the default variant of the
# same round, model and build: the only figure that means much on a shared, noisy machine.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$HERE/scripts/lib/setup.sh"
prepare_machine
cd "$HERE"
SECONDS_EACH=${1:-10}
ROUNDS=${2:-3}
MODELS=${3:-seed-cnn deep-cnn}
BUILDS=${4:-linux-x86_64 linux-x86_64-avx2 linux-x86_64-avx512 linux-x86_64-onednn-avx512}
VARIANTS=${5:-default dl4j-kernels}
TORCH=${6-as-installed tuned tuned-channels-last}
ND4J=1.0.0-M2.1
DNNL=2.5.2-1.5.7
REPO=${MAVEN_REPO:-$HOME/.m2/repository}

[[ -z $TORCH ]] || ensure_torch
mvn -B -q -DskipTests test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/test.classpath >/dev/null
# The classpath without the default CPU build's natives; each variant adds its own.
base=$(tr ':' '\n' < target/test.classpath | grep -v "nd4j-native-$ND4J-linux-x86_64.jar" | paste -sd: -)
natives() { # build -> its jars
  local jar=$REPO/org/nd4j/nd4j-native/$ND4J/nd4j-native-$ND4J-$1.jar
  [[ -f $jar ]] || mvn -B -q dependency:get -Dartifact="org.nd4j:nd4j-native:$ND4J:jar:$1" >&2
  if [[ $1 == *onednn* ]]; then
    [[ -f $REPO/org/bytedeco/dnnl/$DNNL/dnnl-$DNNL-linux-x86_64.jar ]] || {
      mvn -B -q dependency:get -Dartifact="org.bytedeco:dnnl:$DNNL" >&2
      mvn -B -q dependency:get -Dartifact="org.bytedeco:dnnl:$DNNL:jar:linux-x86_64" >&2; }
    echo "$jar:$REPO/org/bytedeco/dnnl/$DNNL/dnnl-$DNNL.jar:$REPO/org/bytedeco/dnnl/$DNNL/dnnl-$DNNL-linux-x86_64.jar"
  else
    echo "$jar"
  fi
}
# A build for instructions this CPU lacks dies with SIGILL: skip it, and say so.
supported() {
  case $1 in
    *avx512*) grep -qw avx512f /proc/cpuinfo ;;
    *avx2*) grep -qw avx2 /proc/cpuinfo ;;
    *) true ;;
  esac
}
runnable=""
for build in $BUILDS; do
  if supported "$build"; then runnable="$runnable $build"; else echo "bench-core: skipping $build: this CPU lacks its instructions (/proc/cpuinfo)" >&2; fi
done
mkdir -p target/bench
: > target/bench/bench-core.jsonl
# The per-core peak, measured once before the rounds (gcc for this CPU: -march=native).
command -v gcc >/dev/null || _apt_install gcc
gcc -O2 -march=native -o target/bench/fma-peak scripts/lib/fma_peak.c
OMP_NUM_THREADS=1 target/bench/fma-peak > target/bench/fma-peak.txt
# Adam's update loop, scalar against SIMD lanes, at the networks' parameter counts (the updater's own figure).
"$JAVA" $(java17_flags) -cp "target/test-classes:target/classes:$base:$(natives linux-x86_64)" \
  io.sparkcnn.kernels.AdamLoopBench 2>/dev/null > target/bench/adam-loops.txt
# Inference's pooling planes (the seed CNN's), pooled after bias and ReLU against pooled first, in the CPU's widest
# vectors and held to 256-bit ones (an AVX2 CPU's).
: > target/bench/pooling-planes.txt
for vectors in "" "-XX:UseAVX=2"; do
  "$JAVA" $(java17_flags) $vectors -cp "target/test-classes:target/classes:$base:$(natives linux-x86_64)" \
    io.sparkcnn.kernels.PoolingPlanesBench "${vectors:-widest}" 2>/dev/null >> target/bench/pooling-planes.txt
done
coretypes=("${OPENBLAS_CORETYPE:-}" "")
[[ -n ${OPENBLAS_CORETYPE:-} ]] || coretypes=("")
for round in $(seq 1 "$ROUNDS"); do
  for model in $MODELS; do
    for build in $runnable; do
      for coretype in "${coretypes[@]}"; do
        for variant in $VARIANTS; do
        echo "bench-core: round $round/$ROUNDS $model $build OPENBLAS_CORETYPE=${coretype:-unset} $variant" >&2
        if [[ -n $coretype ]]; then with=(env OPENBLAS_CORETYPE="$coretype"); else with=(env -u OPENBLAS_CORETYPE); fi
        case $variant in
          env-omp-passive) with+=(OMP_WAIT_POLICY=PASSIVE) ;;
          env-omp-active) with+=(OMP_WAIT_POLICY=ACTIVE) ;;
        esac
        "${with[@]}" OMP_NUM_THREADS=1 "$JAVA" $(java17_flags) -Xmx4g -Dbench.build="$build" \
          -Dbench.variant="$variant" -Dlog4j2.configurationFile="$HERE/conf/log4j2.properties" \
          -cp "target/test-classes:target/classes:$base:$(natives "$build")" \
          io.sparkcnn.bench.CoreBench "$model" "$SECONDS_EACH" "$variant" 2>/dev/null | tail -1 \
          >> target/bench/bench-core.jsonl
        done
      done
    done
    for coretype in "${coretypes[@]}"; do
      for setting in $TORCH; do
        echo "bench-core: round $round/$ROUNDS $model pytorch OPENBLAS_CORETYPE=${coretype:-unset} $setting" >&2
        if [[ -n $coretype ]]; then with=(env OPENBLAS_CORETYPE="$coretype"); else with=(env -u OPENBLAS_CORETYPE); fi
        [[ $setting == as-installed ]] || with+=(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
          MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=17179869184)
        "${with[@]}" /usr/bin/python3 scripts/lib/torch_bench.py "$model" "$SECONDS_EACH" "$setting" 1 2>/dev/null \
          | tail -1 >> target/bench/bench-core.jsonl
      done
    done
  done
done
lscpu | grep -E "Model name|Flags" | cut -c1-200
echo "Adam's update loop (io.sparkcnn.kernels.AdamLoopBench, medians, alternating):"
grep -v '^{' target/bench/adam-loops.txt
echo "Inference's pooling planes, one seed CNN image (io.sparkcnn.kernels.PoolingPlanesBench, medians, alternating):"
grep -v '^{' target/bench/pooling-planes.txt
python3 - "$ROUNDS" <<'PY'
import json, re, statistics, sys
runs = [json.loads(l) for l in open("target/bench/bench-core.jsonl") if l.startswith("{")]
groups = {}
for r in runs:
    groups.setdefault((r["model"], r["build"], r["openblasCoretype"] or "unset", r.get("variant", "default")),
                      []).append(r)
peak, bits = (float(x) for x in open("target/bench/fma-peak.txt").read().split()[:2])
print(f"per-core peak: {peak:.0f} GFLOP/s, measured (scripts/lib/fma_peak.c: float FMAs in {bits:.0f}-bit vectors)")
rows = []
def vs_default(model, build, core, variant, rs, key):
    # A paired variant ran beside the defaults in its own JVM: its own ratio, median over the rounds.
    paired = {"trainImagesPerSecond": "pairedTrainRatio", "inferImagesPerSecond": "pairedInferRatio"}[key]
    if paired in rs[0]:
        return statistics.median(r[paired] for r in rs)
    # PyTorch's rows, and other builds' default rows, against the first build's default row.
    if build.startswith("pytorch") or variant == "default":
        build = next((b for (m, b, c, v) in groups if m == model and c == core and v == "default"), build)
    base = groups.get((model, build, core, "default"))
    if not base:
        return None
    # Runs are appended round by round, so the k-th run of each variant ran in round k, side by side.
    return statistics.median(r[key] / b[key] for r, b in zip(rs, base))
print(f"{'model':9} {'build':28} {'OPENBLAS_CORETYPE':17} {'variant':20} {'runs':>4} {'train img/s':>11} {'vs default':>10} {'train GFLOP/s':>13} {'% peak':>6} {'infer img/s':>11} {'vs default':>10} {'infer GFLOP/s':>13} {'% peak':>6}")
fmt = lambda x: "" if x is None else f"{x:.2f}x"
for (model, build, core, variant), rs in sorted(groups.items()):
    med = lambda k: statistics.median(r[k] for r in rs)
    row = dict(model=model, build=build, openblasCoretype=core, variant=variant, runs=len(rs),
               trainImagesPerSecond=med("trainImagesPerSecond"), trainGflops=med("trainGflops"),
               inferImagesPerSecond=med("inferImagesPerSecond"), inferGflops=med("inferGflops"),
               forwardMflopPerImage=rs[0]["forwardMflopPerImage"])
    row["trainPercentOfPeak"] = 100 * row["trainGflops"] / peak
    row["inferPercentOfPeak"] = 100 * row["inferGflops"] / peak
    row["trainVsDefault"] = vs_default(model, build, core, variant, rs, "trainImagesPerSecond")
    row["inferVsDefault"] = vs_default(model, build, core, variant, rs, "inferImagesPerSecond")
    rows.append(row)
    print(f"{model:9} {build:28} {core:17} {variant:20} {len(rs):>4} {row['trainImagesPerSecond']:>11.0f} {fmt(row['trainVsDefault']):>10} {row['trainGflops']:>13.2f} {row['trainPercentOfPeak']:>6.2f} {row['inferImagesPerSecond']:>11.0f} {fmt(row['inferVsDefault']):>10} {row['inferGflops']:>13.2f} {row['inferPercentOfPeak']:>6.2f}")
json.dump({"peakGflopsPerCore": peak, "rows": rows}, open("target/bench/bench-core.json", "w"), indent=2)
PY
