package io.sparkcnn.spark;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * The sum of the workers' results of one round, tree-aggregated: parameters and updater state are summed in
 * double precision, where adding floats is exact for the magnitudes networks hold, so the merged mean does not
 * depend on the order in which Spark combines the workers.
 */
final class RoundResult implements Serializable {
    double[] paramSum;
    double[] stateSum;
    /** Without updater averaging: each worker's own new state, by worker (partition) index. */
    final Map<Integer, float[]> ownStates = new HashMap<>();
    int workers;
    double lossSum;
    int minibatches;
    long images;
    /** The slowest worker's seconds in fitting, and in its whole task (minibatches, replica, results). */
    double fitSeconds;
    double taskSeconds;

    void timed(double fit, double task) {
        fitSeconds = Math.max(fitSeconds, fit);
        taskSeconds = Math.max(taskSeconds, task);
    }

    RoundResult add(int worker, float[] params, float[] state, boolean averageState, double loss, int batches,
                    long imageCount) {
        if (paramSum == null) {
            paramSum = new double[params.length];
            stateSum = new double[averageState ? state.length : 0];
        }
        if (!averageState) {
            ownStates.put(worker, state);
        }
        for (int i = 0; i < params.length; i++) {
            paramSum[i] += params[i];
        }
        for (int i = 0; i < stateSum.length; i++) {
            stateSum[i] += state[i];
        }
        workers++;
        lossSum += loss;
        minibatches += batches;
        images += imageCount;
        return this;
    }

    RoundResult merge(RoundResult other) {
        if (other.paramSum == null) {
            return this;
        }
        if (paramSum == null) {
            return other;
        }
        for (int i = 0; i < paramSum.length; i++) {
            paramSum[i] += other.paramSum[i];
        }
        for (int i = 0; i < stateSum.length; i++) {
            stateSum[i] += other.stateSum[i];
        }
        ownStates.putAll(other.ownStates);
        workers += other.workers;
        lossSum += other.lossSum;
        minibatches += other.minibatches;
        images += other.images;
        timed(other.fitSeconds, other.taskSeconds);
        return this;
    }

    static float[] mean(double[] sum, int n) {
        float[] out = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            out[i] = (float) (sum[i] / n);
        }
        return out;
    }
}
