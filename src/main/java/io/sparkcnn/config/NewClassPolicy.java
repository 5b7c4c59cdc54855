package io.sparkcnn.config;

/** What retrain does with a class the champion does not know (see {@code retrain.newClasses}). */
public enum NewClassPolicy {
    ERROR, GROW;

    public static NewClassPolicy fromConfig(String value) {
        return ConfigName.parse(Settings.RETRAIN_NEW_CLASSES, value, NewClassPolicy.class);
    }

    public String configName() {
        return ConfigName.of(this);
    }
}
