# Sourced by the scripts: picks a Java 17 (Spark 3.5 does not run on newer JDKs) and reads the module
# flags Spark needs from conf/java17.flags.
_java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }

JAVA=${JAVA_HOME:+$JAVA_HOME/bin/java}
JAVA=${JAVA:-$(command -v java || true)}
if [[ -z $JAVA || $(_java_major "$JAVA") != 17 ]]; then
  for candidate in /usr/lib/jvm/java-17-openjdk-*/bin/java /usr/lib/jvm/*17*/bin/java; do
    if [[ -x $candidate && $(_java_major "$candidate") == 17 ]]; then JAVA=$candidate; break; fi
  done
fi
if [[ -z $JAVA || $(_java_major "$JAVA") != 17 ]]; then
  echo "spark-cnn: needs a Java 17 JDK (Spark 3.5 fails on newer ones); set JAVA_HOME to one" >&2
  exit 2
fi
export JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$JAVA")")")}

java17_flags() { grep -v '^#' "$(dirname "${BASH_SOURCE[0]}")/../../conf/java17.flags" | tr '\n' ' '; }
