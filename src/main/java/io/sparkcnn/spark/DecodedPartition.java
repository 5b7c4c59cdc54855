package io.sparkcnn.spark;

import io.sparkcnn.data.LakeSummary;
import io.sparkcnn.data.Normalisation;

import java.io.Serializable;

/**
 * One worker's decoded share of a split: {@code count} images as consecutive CHW floats in [0, 1], their
 * class ids, and what decoding saw (bad files). Kept in Spark's cache across rounds.
 */
public record DecodedPartition(int index, float[] pixels, int[] labels, int count, LakeSummary summary)
        implements Serializable {

    /** A copy of image {@code i}'s CHW pixels, normalised for the network. */
    public float[] image(int i, Normalisation normalisation) {
        int size = pixels.length / count;
        float[] image = new float[size];
        System.arraycopy(pixels, i * size, image, 0, size);
        return normalisation.apply(image);
    }
}
