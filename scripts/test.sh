#!/usr/bin/env bash
# The README's test command: installs what is missing (JDK 17, Maven, Fashion-MNIST), then runs the
# unit and Spark tests (surefire) and the shaded-jar tests (failsafe, after packaging).
# Extra arguments go to Maven, e.g. scripts/test.sh -Dtest=LakeInspectionTest
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$HERE/scripts/lib/setup.sh"
prepare_machine
ensure_test_tools
cd "$HERE"
exec mvn -B verify "$@"
