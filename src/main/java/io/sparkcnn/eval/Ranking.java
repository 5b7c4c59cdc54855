package io.sparkcnn.eval;

import java.util.Arrays;

/** Which classes a network's output ranks highest: the predicted class and the top k. */
public final class Ranking {
    private Ranking() {
    }

    /** The indices of the k largest values, largest first (ties: the lower index first). */
    public static int[] top(float[] values, int k) {
        Integer[] idx = new Integer[values.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> values[a] != values[b] ? Float.compare(values[b], values[a]) : Integer.compare(a, b));
        int[] top = new int[k];
        for (int i = 0; i < k; i++) {
            top[i] = idx[i];
        }
        return top;
    }

    /** The index of the largest value (ties: the lower index), without sorting. */
    public static int argmax(float[] values) {
        int best = 0;
        for (int j = 1; j < values.length; j++) {
            if (values[j] > values[best]) {
                best = j;
            }
        }
        return best;
    }
}
