package io.sparkcnn.config;

/** How training is spread over executors ({@code train.strategy}); see io.sparkcnn.spark.training.Trainer. */
public enum TrainingStrategy {
    /** spark-cnn's parameter averaging: cached decoded partitions, replicas kept by executors, checkpoints. */
    AVERAGING,
    /** dl4j-spark's ParameterAveragingTrainingMaster on the same decoded data: the reference. */
    DL4J_STOCK;

    /** The class dl4j-stock trains with; dl4j-spark exists only for Scala 2.12, so the Spark 4 build lacks it. */
    private static final String DL4J_SPARK_CLASS =
            "org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster";

    public static TrainingStrategy fromConfig(String value) {
        TrainingStrategy strategy = ConfigName.parse(Settings.TRAIN_STRATEGY, value, TrainingStrategy.class);
        if (strategy == DL4J_STOCK && !strategy.available()) {
            throw new ConfigException(Settings.TRAIN_STRATEGY.key(), "dl4j-stock needs dl4j-spark, which exists only "
                    + "for Spark 3.5 (Scala 2.12); this is spark-cnn's Spark " + BuildInfo.sparkVersion()
                    + " build. Use averaging, or the Spark 3.5 build for the reference strategy");
        }
        return strategy;
    }

    /** Whether this build carries what the strategy needs (dl4j-stock: dl4j-spark). */
    public boolean available() {
        if (this != DL4J_STOCK) {
            return true;
        }
        try {
            Class.forName(DL4J_SPARK_CLASS, false, TrainingStrategy.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    public String configName() {
        return ConfigName.of(this);
    }
}
