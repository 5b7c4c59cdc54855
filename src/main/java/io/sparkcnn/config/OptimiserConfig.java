package io.sparkcnn.config;

import java.io.Serializable;

/** How each worker optimises the network: the updater and its learning rate. */
public record OptimiserConfig(UpdaterKind updater, double learningRate, double momentum) implements Serializable {
    public OptimiserConfig {
        if (updater == null) {
            throw new ConfigException(Settings.TRAIN_UPDATER.key(), "must be " + Settings.TRAIN_UPDATER.allowed());
        }
        Settings.TRAIN_LEARNING_RATE.check(learningRate);
        Settings.TRAIN_MOMENTUM.check(momentum);
    }

    /** The updater at a learning rate, with the defaults of everything else. */
    public static OptimiserConfig of(UpdaterKind updater, double learningRate) {
        return new OptimiserConfig(updater, learningRate, Settings.TRAIN_MOMENTUM.defaultValue());
    }
}
