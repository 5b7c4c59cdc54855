#!/usr/bin/env bash
# The README's main command: on a fresh machine, installs what is missing, builds, imports Fashion-MNIST
# into a local folder lake (data/fashion-mnist, once), trains the seed CNN on Spark in local mode
# (conf/fashion-mnist.conf) and prints the held-out metrics. The model goes to out/fashion-mnist/model.
# Extra arguments go to the train step, e.g. --set train.epochs=1
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$HERE/scripts/lib/setup.sh"
prepare_machine
cd "$HERE"
scripts/spark-cnn import fashion-mnist --out data/fashion-mnist
# This script is re-run by hand: replacing its own earlier model is what the user asked for.
scripts/spark-cnn train --conf conf/fashion-mnist.conf --overwrite "$@"
