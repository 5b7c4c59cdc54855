package io.sparkcnn.config;

import java.io.Serializable;

/**
 * How the workers' replicas are merged: every {@code frequency} minibatches (K; 0: chosen from measured fit
 * time so that a round fits for about {@code roundSeconds}), with or without the updater state, and the outer
 * optimiser the driver applies to the merged parameters (a Nesterov step on their change in the round; rate 1
 * and momentum 0 leave the plain mean).
 */
public record AveragingConfig(int frequency, double roundSeconds, boolean updaterState, double outerLearningRate,
                              double outerMomentum) implements Serializable {
    /** The least K that {@code frequency = 0} chooses: dl4j-spark's advice, and the default before it. */
    public static final int MIN_CHOSEN_FREQUENCY = 20;

    public AveragingConfig {
        Settings.TRAIN_AVERAGING_FREQUENCY.check(frequency);
        Settings.TRAIN_ROUND_SECONDS.check(roundSeconds);
        Settings.TRAIN_OUTER_LEARNING_RATE.check(outerLearningRate);
        Settings.TRAIN_OUTER_MOMENTUM.check(outerMomentum);
    }

    /** The defaults, with K fixed. */
    public static AveragingConfig every(int frequency) {
        return new AveragingConfig(frequency, Settings.TRAIN_ROUND_SECONDS.defaultValue(), true,
                Settings.TRAIN_OUTER_LEARNING_RATE.defaultValue(), Settings.TRAIN_OUTER_MOMENTUM.defaultValue());
    }

    public static AveragingConfig defaults() {
        return every(Settings.TRAIN_AVERAGING_FREQUENCY.defaultValue());
    }

    /** Whether K is chosen when training starts. */
    public boolean chosen() {
        return frequency == 0;
    }

    /** Whether the merge is the plain mean (no outer optimiser step). */
    public boolean plainMean() {
        return outerLearningRate == 1.0 && outerMomentum == 0.0;
    }

    /**
     * The share of a round a chosen K keeps for fitting, at least: the round's cost besides its tasks (Spark's
     * job, the broadcast, the merge), which grows with the model and the executors, is at most a tenth of it.
     */
    public static final double FITTING_SHARE = 0.9;

    /**
     * The K that fits {@code secondsPerMinibatch} into a round of {@link #roundSeconds}, and that keeps the
     * round's {@code overheadSeconds} besides its tasks under a tenth of it: at least 20.
     */
    public int frequencyFor(double secondsPerMinibatch, double overheadSeconds) {
        double perMinibatch = Math.max(secondsPerMinibatch, 1e-6);
        // Less a hair, so that a K landing on a whole number in decimal is not rounded up by binary fractions.
        double k = Math.max(Math.ceil(roundSeconds / perMinibatch - 1e-9),
                Math.ceil(overheadSeconds * FITTING_SHARE / (1 - FITTING_SHARE) / perMinibatch - 1e-9));
        return (int) Math.max(MIN_CHOSEN_FREQUENCY, Math.min(1_000_000, k));
    }
}
