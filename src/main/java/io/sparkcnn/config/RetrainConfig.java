package io.sparkcnn.config;

import java.io.Serializable;

/**
 * How a scheduled retrain judges its challenger and guards the registry: the metric and tolerance of the
 * champion/challenger comparison, how much old data is replayed beside the new, what a new class does, and
 * when a lock left by another job counts as stale.
 */
public record RetrainConfig(HeldOutMetric metric, double tolerance, double replayFraction, boolean frozenHeldOut,
                            NewClassPolicy newClasses, int lockStaleAfterSeconds) implements Serializable {
    public RetrainConfig {
        Settings.RETRAIN_TOLERANCE.check(tolerance);
        Settings.RETRAIN_REPLAY_FRACTION.check(replayFraction);
        Settings.RETRAIN_LOCK_STALE_AFTER_SECONDS.check(lockStaleAfterSeconds);
        if (metric == null || newClasses == null) {
            throw new ConfigException(Settings.RETRAIN_METRIC.key(), "retrain.metric and retrain.newClasses must be set");
        }
    }
}
