# Sourced by the scripts: which of this checkout's builds they run. The default is the Spark 3.5 build (Scala
# 2.12, under target/); SPARK_CNN_SPARK=4 selects the Spark 4 build (Scala 2.13, mvn -Dspark4, under
# target/spark4). Both can be built side by side.

spark_line() {
  case ${SPARK_CNN_SPARK:-3.5} in
    3|3.5) echo 3.5 ;;
    4) echo 4 ;;
    *) echo "spark-cnn: SPARK_CNN_SPARK=$SPARK_CNN_SPARK is not a build here; use 3.5 (the default) or 4" >&2
       return 2 ;;
  esac
}

# The build's output folder, for the checkout at $1.
build_dir() {
  local line
  line=$(spark_line)
  if [[ $line == 4 ]]; then echo "$1/target/spark4"; else echo "$1/target"; fi
}

# What Maven needs to make this build.
build_flags() {
  local line
  line=$(spark_line)
  if [[ $line == 4 ]]; then echo "-Dspark4"; fi
}

scala_binary_version() {
  local line
  line=$(spark_line)
  if [[ $line == 4 ]]; then echo 2.13; else echo 2.12; fi
}

# The shaded jar's classifier (pom.xml's shade.classifier).
jar_classifier() {
  local line
  line=$(spark_line)
  if [[ $line == 4 ]]; then echo spark4; else echo spark; fi
}
