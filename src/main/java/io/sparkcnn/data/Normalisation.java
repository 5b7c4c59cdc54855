package io.sparkcnn.data;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Maps decoded pixels (in [0, 1]) to network inputs. {@code unit} leaves them; {@code standardise}
 * subtracts the training split's per-channel mean and divides by its standard deviation (a channel
 * with zero spread is only centred). Saved with a model, so inference scales exactly as training did.
 */
public record Normalisation(double[] mean, double[] std) implements Serializable {
    private static final double MIN_STD = 1e-8;

    public static Normalisation unit() {
        return new Normalisation(new double[0], new double[0]);
    }

    public static Normalisation standardise(double[] mean, double[] std) {
        if (mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException("mean and std need one value per channel, got " + mean.length
                    + " and " + std.length);
        }
        return new Normalisation(mean.clone(), std.clone());
    }

    public boolean isUnit() {
        return mean.length == 0;
    }

    /** Normalises a CHW tensor in place and returns it. */
    public float[] apply(float[] chw) {
        if (isUnit()) {
            return chw;
        }
        int plane = chw.length / mean.length;
        for (int c = 0; c < mean.length; c++) {
            float m = (float) mean[c];
            float inv = std[c] < MIN_STD ? 1f : (float) (1.0 / std[c]);
            for (int i = c * plane; i < (c + 1) * plane; i++) {
                chw[i] = (chw[i] - m) * inv;
            }
        }
        return chw;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalisation n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return isUnit() ? "unit [0, 1]" : "standardise mean=" + Arrays.toString(mean) + " std=" + Arrays.toString(std);
    }
}
