package io.sparkcnn.config;

import java.io.Serializable;

/**
 * What to train and how each worker optimises it: the architecture, the updater and the minibatch size.
 * How the work is spread over executors is configured apart from this.
 */
public record TrainConfig(Architecture architecture, UpdaterKind updater, double learningRate, double momentum,
                          int batchSizePerWorker, String strategy, int epochs, int workers, int averagingFrequency,
                          boolean averageUpdaterState, int evalBatchSize) implements Serializable {
    public TrainConfig {
        if (architecture == null) {
            throw new ConfigException(Settings.MODEL_ARCHITECTURE.key(),
                    "must be " + Settings.MODEL_ARCHITECTURE.allowed());
        }
        if (updater == null) {
            throw new ConfigException(Settings.TRAIN_UPDATER.key(), "must be " + Settings.TRAIN_UPDATER.allowed());
        }
        Settings.TRAIN_LEARNING_RATE.check(learningRate);
        Settings.TRAIN_MOMENTUM.check(momentum);
        Settings.TRAIN_BATCH_SIZE_PER_WORKER.check(batchSizePerWorker);
        Settings.TRAIN_STRATEGY.check(strategy);
        Settings.TRAIN_EPOCHS.check(epochs);
        Settings.TRAIN_WORKERS.check(workers);
        Settings.TRAIN_AVERAGING_FREQUENCY.check(averagingFrequency);
        Settings.TRAIN_EVAL_BATCH_SIZE.check(evalBatchSize);
    }

    /** dl4j-spark's own trainer instead of spark-cnn's. */
    public boolean stockStrategy() {
        return "dl4j-stock".equals(strategy);
    }

    /** The defaults of everything but the architecture and updater, for code and tests. */
    public static TrainConfig of(Architecture architecture, UpdaterKind updater, double learningRate,
                                 int batchSizePerWorker) {
        return new TrainConfig(architecture, updater, learningRate, Settings.TRAIN_MOMENTUM.defaultValue(),
                batchSizePerWorker, Settings.TRAIN_STRATEGY.defaultValue(), Settings.TRAIN_EPOCHS.defaultValue(), Settings.TRAIN_WORKERS.defaultValue(),
                Settings.TRAIN_AVERAGING_FREQUENCY.defaultValue(), true, Settings.TRAIN_EVAL_BATCH_SIZE.defaultValue());
    }

    public TrainConfig withSchedule(int newEpochs, int newWorkers, int newAveragingFrequency) {
        return new TrainConfig(architecture, updater, learningRate, momentum, batchSizePerWorker, strategy, newEpochs,
                newWorkers,
                newAveragingFrequency, averageUpdaterState, evalBatchSize);
    }
}
