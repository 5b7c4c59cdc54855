# Sourced by submit.sh and local-cluster.sh: a Spark "installation" for machines without one: the jars
# this build resolved for running Spark (Spark, Hadoop, Scala, logging and the libraries they use), without
# DL4J, ND4J, DataVec and their natives, which travel in the shaded jar; linked into target/spark-home/jars
# (target/spark4/spark-home/jars for the Spark 4 build, see build.sh),
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
  local build home
  build=$(build_dir "$here")
  home=$build/spark-home
  if [[ ! -f $home/.built || $build/provided.classpath -nt $home/.built ]]; then
    rm -rf "$home" && mkdir -p "$home/jars" "$home/conf"
    local jar
    # Left out too: the AWS SDK v2 bundle (Hadoop 3.4's s3a, in the Spark 4 build), which carries an unshaded
    # SLF4J 1.7 that can take over Spark's logging; spark-submit --jars or --packages adds it where s3a is used.
    for jar in $(tr ':' '\n' < "$build/launcher.classpath" \
                 | grep -v -E '/org/(deeplearning4j|nd4j|datavec|bytedeco)/|/software/amazon/awssdk/bundle/'); do
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
  local here=$1 jar build classifier
  if [[ -n ${SPARK_CNN_JAR:-} ]]; then
    echo "$SPARK_CNN_JAR"
    return
  fi
  build=$(build_dir "$here")
  classifier=$(jar_classifier)
  jar=$(ls "$build"/spark-cnn-*-"$classifier".jar 2>/dev/null | head -1 || true)
  if [[ -z $jar || -n $(find "$here/src/main" "$here/pom.xml" -newer "$jar" -print -quit) ]]; then
    echo "spark-cnn: building the shaded jar (mvn $(build_flags) -DskipTests package)..." >&2
    # shellcheck disable=SC2046
    (cd "$here" && mvn -B -q $(build_flags) -DskipTests package >&2)
    jar=$(ls "$build"/spark-cnn-*-"$classifier".jar | head -1)
  fi
  echo "$jar"
}
