package io.sparkcnn.config;

/** How training is spread over executors ({@code train.strategy}); see io.sparkcnn.spark.training.Trainer. */
public enum TrainingStrategy {
    /** spark-cnn's parameter averaging: cached decoded partitions, replicas kept by executors, checkpoints. */
    AVERAGING,
    /** dl4j-spark's ParameterAveragingTrainingMaster on the same decoded data: the reference. */
    DL4J_STOCK;

    public static TrainingStrategy fromConfig(String value) {
        return ConfigName.parse(Settings.TRAIN_STRATEGY, value, TrainingStrategy.class);
    }

    public String configName() {
        return ConfigName.of(this);
    }
}
