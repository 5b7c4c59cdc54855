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
        if (images.size() != classIds.length) {
            throw new IllegalArgumentException(images.size() + " images but " + classIds.length + " labels");
        }
        List<DataSet> batches = new ArrayList<>();
        for (int start = 0; start < images.size(); start += batchSize) {
            int n = Math.min(batchSize, images.size() - start);
            float[] features = new float[n * shape.size()];
            float[] labels = new float[n * classes];
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
                labels[i * classes + id] = 1f;
            }
            INDArray f = Nd4j.create(features, new long[] {n, shape.channels(), shape.height(), shape.width()}, 'c');
            INDArray l = Nd4j.create(labels, new long[] {n, classes}, 'c');
            batches.add(new DataSet(f, l));
        }
        return batches;
    }
}
