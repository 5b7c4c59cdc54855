package io.sparkcnn.config;

/** The held-out metric a challenger is judged on (see {@code retrain.metric}); loss is the only lower-is-better one. */
public enum RetrainMetric {
    ACCURACY, MACRO_F1, LOSS;

    public static RetrainMetric fromConfig(String value) {
        return ConfigName.parse(Settings.RETRAIN_METRIC, value, RetrainMetric.class);
    }

    public String configName() {
        return ConfigName.of(this);
    }

    public boolean higherIsBetter() {
        return this != LOSS;
    }
}
