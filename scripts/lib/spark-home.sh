# Sourced by submit.sh and local-cluster.sh: a Spark "installation" for machines without one: the jars
# this build resolved for running Spark (Spark, Hadoop, Scala, logging and the libraries they use), without
# DL4J, ND4J, DataVec and their natives, which travel in the shaded jar; linked into target/spark-home/jars,
# where Spark's launcher, master and workers look for them.
# A real installation wins: set SPARK_HOME to use it.

# Prints the Spark home to use, building the local one when SPARK_HOME is not set.
spark_home() {
  local here=$1
  if [[ -n ${SPARK_HOME:-} ]]; then
    [[ -d $SPARK_HOME/jars ]] || { echo "spark-cnn: SPARK_HOME=$SPARK_HOME has no jars/ folder" >&2; return 2; }
    echo "$SPARK_HOME"
    return
  fi
  local home=$here/target/spark-home
  if [[ ! -f $home/.built || $here/target/provided.classpath -nt $home/.built ]]; then
    rm -rf "$home" && mkdir -p "$home/jars" "$home/conf"
    local jar
    for jar in $(tr ':' '\n' < "$here/target/launcher.classpath" | grep -v -E '/org/(deeplearning4j|nd4j|datavec|bytedeco)/'); do
      ln -sf "$jar" "$home/jars/$(basename "$jar")"
    done
    # The daemons (master, workers) log what they do at INFO: registrations, executors, drivers.
    { cat "$here/conf/log4j2.properties"
      printf 'logger.deploy.name = org.apache.spark.deploy\nlogger.deploy.level = info\n'
    } > "$home/conf/log4j2.properties"
    touch "$home/.built"
  fi
  echo "$home"
}

# The shaded jar, built when missing or older than the sources; SPARK_CNN_JAR names another one (e.g. the
# CUDA build's target/spark-cnn-<version>-spark-cuda.jar).
shaded_jar() {
  local here=$1 jar
  if [[ -n ${SPARK_CNN_JAR:-} ]]; then
    echo "$SPARK_CNN_JAR"
    return
  fi
  jar=$(ls "$here"/target/spark-cnn-*-spark.jar 2>/dev/null | head -1 || true)
  if [[ -z $jar || -n $(find "$here/src/main" "$here/pom.xml" -newer "$jar" -print -quit) ]]; then
    echo "spark-cnn: building the shaded jar (mvn -DskipTests package)..." >&2
    (cd "$here" && mvn -B -q -DskipTests package >&2)
    jar=$(ls "$here"/target/spark-cnn-*-spark.jar | head -1)
  fi
  echo "$jar"
}
