package io.sparkcnn.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.Map;

/**
 * Carries a trained network's parameters over to the same architecture with more classes: every parameter
 * of the same shape is copied; the output layer's weights and bias (whose last dimension is the class count)
 * keep the old classes' columns. The new classes' columns either keep the wider network's fresh
 * initialisation (a challenger that will learn them) or are set to never win (weights 0, bias -10,000: after
 * softmax exactly 0 in float), which scores the old network on data with the new classes as it would really
 * behave.
 */
public final class OutputGrowth {
    /** A bias low enough that exp(bias - max) underflows to 0 in float, so the class is never predicted. */
    static final float NEVER = -10_000f;

    private OutputGrowth() {
    }

    /**
     * The parameters of {@code wider} (built for more classes, freshly initialised; it is modified) after
     * taking over {@code trained}'s parameters.
     *
     * @param silenceNew true: the new classes can never be predicted; false: they keep their fresh init
     */
    public static float[] grow(Network trained, Network wider, int oldClasses, boolean silenceNew) {
        Map<String, INDArray> old = trained.dl4j().paramTable();
        Map<String, INDArray> fresh = wider.dl4j().paramTable();
        if (!old.keySet().equals(fresh.keySet())) {
            throw new IllegalArgumentException("the networks differ in their layers: " + old.keySet() + " vs "
                    + fresh.keySet());
        }
        for (Map.Entry<String, INDArray> e : fresh.entrySet()) {
            INDArray from = old.get(e.getKey());
            INDArray to = e.getValue().dup();
            long[] a = from.shape();
            long[] b = to.shape();
            if (Arrays.equals(a, b)) {
                to.assign(from);
            } else if (a.length == b.length && a[a.length - 1] == oldClasses && b[b.length - 1] > oldClasses
                    && Arrays.equals(Arrays.copyOf(a, a.length - 1), Arrays.copyOf(b, b.length - 1))) {
                if (silenceNew) {
                    boolean bias = e.getKey().endsWith("_b");
                    to.assign(bias ? NEVER : 0f);
                }
                INDArrayIndex[] cols = new INDArrayIndex[b.length];
                for (int i = 0; i < b.length - 1; i++) {
                    cols[i] = NDArrayIndex.all();
                }
                cols[b.length - 1] = NDArrayIndex.interval(0, oldClasses);
                to.put(cols, from);
            } else {
                throw new IllegalArgumentException("parameter " + e.getKey() + " has shape " + Arrays.toString(a)
                        + " in the trained network and " + Arrays.toString(b) + " in the wider one: only the class "
                        + "dimension may grow");
            }
            wider.dl4j().setParam(e.getKey(), to);
        }
        return wider.params().data().asFloat();
    }
}
