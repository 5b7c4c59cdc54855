package io.sparkcnn.config;

/**
 * A held-out metric that decides something: whether retrain's challenger replaces the champion
 * ({@code retrain.metric}), which epoch is the best and when to stop ({@code train.earlyStopping.metric}). Loss
 * is the only lower-is-better one.
 */
public enum HeldOutMetric {
    ACCURACY, MACRO_F1, LOSS;

    /** The metric named by {@code setting}'s value. */
    public static HeldOutMetric fromConfig(Setting<String> setting, String value) {
        return ConfigName.parse(setting, value, HeldOutMetric.class);
    }

    public String configName() {
        return ConfigName.of(this);
    }

    public boolean higherIsBetter() {
        return this != LOSS;
    }

    /** Whether {@code score} is better than {@code than} by more than {@code minDelta}. */
    public boolean improves(double score, double than, double minDelta) {
        return higherIsBetter() ? score > than + minDelta : score < than - minDelta;
    }
}
