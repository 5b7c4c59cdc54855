package io.sparkcnn.spark.training;

import io.sparkcnn.config.ConfigException;
import io.sparkcnn.eval.Metrics;

import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a training run needs to continue where it stopped: the merged parameters and updater state
 * (each worker's own, when they are not averaged), the position (the epoch and the next round in it; the
 * minibatch order and every other random stream follow from the seed, the epoch, the round and the worker,
 * so this position is the run's whole random state), what the epoch has tallied so far, the metrics of the
 * finished epochs and the workers' statistics. {@code identity} names what must not change between the run
 * that wrote it and the run that resumes from it.
 *
 * @param roundsDone rounds finished in the whole run; the checkpoint's name
 * @param best       with early stopping, the best epoch so far (null without, and in checkpoints written before)
 * @param averagingFrequency the K the run's rounds use (chosen or configured; 0 in checkpoints written before)
 * @param outerVelocity      the outer optimiser's velocity (null without momentum or before its first step)
 */
public record Checkpoint(Map<String, String> identity, int epoch, int round, long roundsDone, long seen, double seconds,
                  EpochTally tally, float[] params, float[] state, float[][] ownStates, List<Metrics> history,
                  Map<Integer, WorkerStats> workers, BestEpoch best, int averagingFrequency, float[] outerVelocity)
        implements Serializable {

    /**
     * The best epoch's parameters and updater state (the mean of the workers' own states when they are not
     * averaged) and its most confident mistakes: what an early-stopped run writes. {@code epoch} counts from 1.
     */
    public record BestEpoch(int epoch, float[] params, float[] state, List<io.sparkcnn.eval.Mistake> misses)
            implements Serializable {
    }

    /**
     * Fails, naming the first setting that differs, when this checkpoint was written by a run that differs
     * from {@code current} in something that changes the result. A setting the checkpoint does not record (it was
     * written by a version that did not have it) counts as that setting's default.
     */
    void requireSameRun(Map<String, String> current, String location) {
        Map<String, String> defaults = io.sparkcnn.config.JobConfigLoader.defaultValues();
        for (Map.Entry<String, String> e : current.entrySet()) {
            String then = identity.containsKey(e.getKey()) ? identity.get(e.getKey()) : defaults.get(e.getKey());
            if (!Objects.equals(then, e.getValue())) {
                throw new ConfigException(e.getKey(), "the checkpoint " + location + " was written with " + then
                        + ", this run has " + e.getValue() + "; resume with the same settings and data, "
                        + "or start over with --overwrite");
            }
        }
    }

    /** The sums of one epoch so far: images, loss, minibatches and time. */
    static final class EpochTally implements Serializable {
        long images;
        double lossSum;
        int minibatches;
        double fitSeconds;
        double taskSeconds;
        /** Wall seconds spent in this epoch's rounds, before any restart. */
        double seconds;

        void add(RoundResult r) {
            images += r.images;
            lossSum += r.lossSum;
            minibatches += r.minibatches;
            fitSeconds += r.fitSeconds;
            taskSeconds += r.taskSeconds;
        }
    }
}
