package io.sparkcnn.config;

import java.io.Serializable;

/**
 * When training stops before train.epochs: after {@code patience} epochs in a row whose held-out {@code metric}
 * did not improve on the best epoch's by more than {@code minDelta}. A null metric: never (every epoch runs),
 * and the last epoch's model is the one written.
 */
public record EarlyStoppingConfig(HeldOutMetric metric, int patience, double minDelta) implements Serializable {
    public static final EarlyStoppingConfig OFF = new EarlyStoppingConfig(null, 3, 0.0);

    public EarlyStoppingConfig {
        Settings.TRAIN_EARLY_STOPPING_PATIENCE.check(patience);
        Settings.TRAIN_EARLY_STOPPING_MIN_DELTA.check(minDelta);
    }

    public boolean enabled() {
        return metric != null;
    }

    /** The metric's config name, or "none". */
    public String metricName() {
        return metric == null ? "none" : metric.configName();
    }

    static EarlyStoppingConfig of(String metric, int patience, double minDelta) {
        return new EarlyStoppingConfig(metric.equals("none") ? null
                : HeldOutMetric.fromConfig(Settings.TRAIN_EARLY_STOPPING_METRIC, metric), patience, minDelta);
    }
}
