package io.sparkcnn.config;

/** The optimisers spark-cnn offers (see {@code train.updater}). */
public enum UpdaterKind {
    ADAM, SGD, NESTEROV;

    public static UpdaterKind fromConfig(String value) {
        return ConfigName.parse(Settings.TRAIN_UPDATER, value, UpdaterKind.class);
    }

    public String configName() {
        return ConfigName.of(this);
    }
}
