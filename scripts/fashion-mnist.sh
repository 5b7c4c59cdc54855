#!/usr/bin/env bash
# The README's main command: on a fresh machine, installs what is missing, builds, imports Fashion-MNIST
# into a local folder lake (data/fashion-mnist, once) and inspects it on Spark in local mode.
# Extra arguments go to the inspect step, e.g. --set data.badFiles.policy=skip
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$HERE/scripts/lib/setup.sh"
ensure_toolchain
ensure_fashion_mnist
cd "$HERE"
scripts/spark-cnn import fashion-mnist --out data/fashion-mnist
scripts/spark-cnn inspect --conf conf/fashion-mnist.conf "$@"
