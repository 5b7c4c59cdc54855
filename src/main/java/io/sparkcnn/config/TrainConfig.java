package io.sparkcnn.config;

import java.io.Serializable;

/**
 * What to train and how each worker optimises it: the architecture, the updater and the minibatch size.
 * How the work is spread over executors is configured apart from this.
 */
public record TrainConfig(Architecture architecture, UpdaterKind updater, double learningRate, double momentum,
                          int batchSizePerWorker) implements Serializable {
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
    }
}
