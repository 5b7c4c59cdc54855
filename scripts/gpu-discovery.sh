#!/usr/bin/env bash
# Spark GPU discovery script (spark.{worker,executor}.resource.gpu.discoveryScript): prints the GPUs of this
# host, or of this container where the cluster manager isolates them, as Spark's resource JSON, e.g.
#   {"name":"gpu","addresses":["0","1"]}
# Spark's own examples/src/main/scripts/getGpusResources.sh does the same. Needs nvidia-smi.
set -euo pipefail
ids=$(nvidia-smi --query-gpu=index --format=csv,noheader | sed -e 's/ //g' | paste -sd, -)
echo "{\"name\":\"gpu\",\"addresses\":[\"${ids//,/\",\"}\"]}"
