# Sourced by the README's two commands: installs what a fresh machine lacks (Debian/Ubuntu packages).
_as_root() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi; }
_apt_updated=""
_apt_install() {
  if [[ -z $_apt_updated ]]; then _as_root apt-get update -qq; _apt_updated=1; fi
  _as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# A JDK 17 and Maven.
ensure_toolchain() {
  local need=()
  if ! ls /usr/lib/jvm/*17*/bin/javac >/dev/null 2>&1 && ! javac -version 2>&1 | grep -q ' 17\.'; then
    need+=(openjdk-17-jdk-headless)
  fi
  command -v mvn >/dev/null || need+=(maven)
  if (( ${#need[@]} )); then
    echo "setup: installing ${need[*]}" >&2
    _apt_install "${need[@]}"
  fi
}

# Fashion-MNIST's official IDX files, from Debian's dataset-fashion-mnist package.
ensure_fashion_mnist() {
  if [[ ! -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]]; then
    echo "setup: installing Debian's dataset-fashion-mnist" >&2
    _apt_install dataset-fashion-mnist
  fi
}

# What only the tests need: Debian's headless Chromium renders the HTML reports (ReportRenderingTest);
# jupyter-nbconvert with an IPython kernel, matplotlib and pandas executes the notebooks (NotebooksTest).
ensure_test_tools() {
  local need=()
  command -v chromium >/dev/null || command -v chromium-browser >/dev/null || need+=(chromium)
  [[ -x /usr/bin/jupyter-nbconvert ]] || need+=(jupyter-nbconvert)
  /usr/bin/python3 -c "import ipykernel, matplotlib, pandas" 2>/dev/null \
    || need+=(python3-ipykernel python3-matplotlib python3-pandas)
  if (( ${#need[@]} )); then
    echo "setup: installing ${need[*]} (report rendering and notebook tests)" >&2
    _apt_install "${need[@]}"
  fi
}

# Only for the benchmarks' PyTorch reference rows (scripts/lib/torch_bench.py): Debian's PyTorch 1.13 and
# OpenBLAS (which Debian's libtorch links through libblas.so.3).
ensure_torch() {
  # torchvision: the ResNet and MobileNetV2 reference rows are torchvision's networks.
  if ! /usr/bin/python3 -c "import torch, torchvision" 2>/dev/null; then
    echo "setup: installing Debian's python3-torch, python3-torchvision and libopenblas0-pthread (PyTorch" \
      "reference rows)" >&2
    _apt_install python3-torch python3-torchvision libopenblas0-pthread
  fi
}

# Only for scripts/bench-photos.sh: real photographs (mate-backgrounds' nature set, python3-skimage's sample photos)
# to cut a photo lake from, and PIL and torchvision for its PyTorch reference rows.
ensure_photo_bench() {
  local need=()
  [[ -d /usr/share/backgrounds/mate/nature ]] || need+=(mate-backgrounds)
  /usr/bin/python3 -c "import skimage" 2>/dev/null || need+=(python3-skimage)
  /usr/bin/python3 -c "import PIL, torchvision" 2>/dev/null || need+=(python3-pil python3-torchvision)
  if (( ${#need[@]} )); then
    echo "setup: installing ${need[*]} (the photo lake and its PyTorch reference)" >&2
    _apt_install "${need[@]}"
  fi
}

# What every entry script needs before it runs anything: the toolchain, the data, a Java 17.
prepare_machine() {
  ensure_toolchain
  ensure_fashion_mnist
  source "$(dirname "${BASH_SOURCE[0]}")/java17.sh"
}

# What the benchmarks that run test classes need, from the checkout's root: the test classes, their classpath in
# target/test.classpath, and the Fashion-MNIST lake in data/fashion-mnist.
prepare_bench_classes() {
  mvn -B -q -DskipTests test-compile dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/test.classpath >/dev/null
  scripts/spark-cnn import fashion-mnist --out data/fashion-mnist >/dev/null
}
