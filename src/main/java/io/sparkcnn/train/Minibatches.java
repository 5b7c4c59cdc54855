package io.sparkcnn.train;

import io.sparkcnn.model.InputShape;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Packs decoded images (CHW floats) and class ids into minibatches: features {@code [n, c, h, w]},
 * one-hot labels {@code [n, classes]}. Images go in the order given; the last minibatch may be short.
 */
public final class Minibatches {
    private Minibatches() {
    }

    public static List<DataSet> of(List<float[]> images, int[] classIds, InputShape shape, int classes, int batchSize) {
        return of(images, classIds, shape, classes, batchSize, 0);
    }

    /**
     * As {@link #of(List, int[], InputShape, int, int)}, with smoothed labels (Szegedy et al. 2016): each image's
     * target is {@code 1 - smoothing + smoothing / classes} for its class and {@code smoothing / classes} for the
     * others. 0 gives the one-hot labels exactly.
     */
    public static List<DataSet> of(List<float[]> images, int[] classIds, InputShape shape, int classes, int batchSize,
                                   double smoothing) {
        float other = (float) (smoothing / classes);
        float own = (float) (1 - smoothing + smoothing / classes);
        if (images.size() != classIds.length) {
            throw new IllegalArgumentException(images.size() + " images but " + classIds.length + " labels");
        }
        List<DataSet> batches = new ArrayList<>();
        for (int start = 0; start < images.size(); start += batchSize) {
            int n = Math.min(batchSize, images.size() - start);
            float[] features = new float[n * shape.size()];
            float[] labels = new float[n * classes];
            if (other != 0) {
                java.util.Arrays.fill(labels, other);
            }
            for (int i = 0; i < n; i++) {
                float[] image = images.get(start + i);
                if (image.length != shape.size()) {
                    throw new IllegalArgumentException("image " + (start + i) + " has " + image.length
                            + " values, the input shape " + shape + " needs " + shape.size());
                }
                System.arraycopy(image, 0, features, i * shape.size(), shape.size());
                int id = classIds[start + i];
                if (id < 0 || id >= classes) {
                    throw new IllegalArgumentException("class id " + id + " outside [0, " + classes + ")");
                }
                labels[i * classes + id] = own;
            }
            INDArray f = Nd4j.create(features, new long[] {n, shape.channels(), shape.height(), shape.width()}, 'c');
            INDArray l = Nd4j.create(labels, new long[] {n, classes}, 'c');
            batches.add(new DataSet(f, l));
        }
        return batches;
    }
}
