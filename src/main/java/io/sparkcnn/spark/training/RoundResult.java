package io.sparkcnn.spark.training;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

/**
 * The sum of the workers' results of one round, tree-aggregated: parameters and updater state are summed in
 * double precision, where adding floats is exact for the magnitudes networks hold, so the merged mean does not
 * depend on the order in which Spark combines the workers. A task's result holds one worker, whose sums are
 * floats exactly, so it travels as floats: half the bytes per round on the network (and, for models near
 * 1 MB, under Spark's limit for results sent straight to the driver).
 */
final class RoundResult implements Serializable {
    transient double[] paramSum;
    transient double[] stateSum;
    /** Without updater averaging: each worker's own new state, by worker (partition) index. */
    final Map<Integer, float[]> ownStates = new HashMap<>();
    /** Where each worker ran and how fast it fitted, by worker index. */
    final Map<Integer, WorkerStats> stats = new HashMap<>();
    int workers;
    double lossSum;
    int minibatches;
    long images;
    /** The slowest worker's seconds in fitting, and in its whole task (minibatches, replica, results). */
    double fitSeconds;
    double taskSeconds;
    /** Of a probe ({@link RoundTask#probe}): the slowest worker's seconds per minibatch. */
    double secondsPerMinibatch;

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
        stats.putAll(other.stats);
        workers += other.workers;
        lossSum += other.lossSum;
        minibatches += other.minibatches;
        images += other.images;
        timed(other.fitSeconds, other.taskSeconds);
        secondsPerMinibatch = Math.max(secondsPerMinibatch, other.secondsPerMinibatch);
        return this;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        boolean asFloats = workers == 1;
        out.writeBoolean(asFloats);
        for (double[] sum : new double[][] {paramSum, stateSum}) {
            out.writeObject(sum == null ? null : asFloats ? toFloats(sum) : sum);
        }
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        boolean asFloats = in.readBoolean();
        paramSum = read(in.readObject(), asFloats);
        stateSum = read(in.readObject(), asFloats);
    }

    private static float[] toFloats(double[] sum) {
        float[] f = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            f[i] = (float) sum[i];
        }
        return f;
    }

    private static double[] read(Object o, boolean asFloats) {
        if (o == null || !asFloats) {
            return (double[]) o;
        }
        float[] f = (float[]) o;
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    static float[] mean(double[] sum, int n) {
        float[] out = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            out[i] = (float) (sum[i] / n);
        }
        return out;
    }
}
