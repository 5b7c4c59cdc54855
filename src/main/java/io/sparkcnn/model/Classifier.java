package io.sparkcnn.model;

import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.Normalisation;
import io.sparkcnn.eval.Ranking;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A trained network as a classifier of decoded images: normalises them as training did, runs the network on a
 * minibatch and turns each output row into a {@link Prediction}. Batch {@code predict}, the Spark ML transform
 * and any other caller go through this one object, so what they answer for the same image cannot differ.
 *
 * <p>Not thread-safe: it holds a network replica. Build one per task (or per thread).
 */
public final class Classifier {
    private final Network network;
    private final LabelIndex labels;
    private final InputShape shape;
    private final Normalisation normalisation;
    private final int topK;

    /**
     * One image's answer. {@code index} is the predicted class's position in the label index (Spark ML's
     * {@code prediction}), {@code probability} the softmax output over every class in label index order,
     * {@code rawPrediction} its natural logarithm (the network's logits up to a constant per image, as Spark ML's
     * probabilistic classifiers call the scores the probabilities derive from), and the top k classes with
     * their probabilities, most probable first (ties: the lower index first).
     */
    public record Prediction(int index, String label, double[] probability, double[] rawPrediction,
                             String[] topLabels, double[] topProbabilities) implements Serializable {
        /** The probability of the predicted class. */
        public double confidence() {
            return probability[index];
        }
    }

    public Classifier(Network network, LabelIndex labels, InputShape shape, Normalisation normalisation, int topK) {
        if (topK < 1) {
            throw new IllegalArgumentException("topK must be >= 1, got " + topK);
        }
        this.network = network;
        this.labels = labels;
        this.shape = shape;
        this.normalisation = normalisation;
        this.topK = Math.min(topK, labels.size());
    }

    /** A classifier on {@code network} (a replica with the model's parameters) for a saved model's classes. */
    public static Classifier of(Network network, SavedModel model, int topK) {
        return new Classifier(network, model.labels(), model.shape(), model.normalisation(), topK);
    }

    /** Classifies decoded images (CHW pixels in [0, 1], as the decoder gives them), in order. */
    public List<Prediction> classify(List<float[]> decodedPixels) {
        List<float[]> inputs = new ArrayList<>(decodedPixels.size());
        for (float[] pixels : decodedPixels) {
            inputs.add(normalisation.apply(pixels));
        }
        INDArray features = features(inputs, shape);
        float[][] output = network.probabilities(features);
        features.close();
        List<Prediction> out = new ArrayList<>(output.length);
        for (float[] row : output) {
            out.add(prediction(row));
        }
        return out;
    }

    private Prediction prediction(float[] row) {
        double[] probability = new double[row.length];
        double[] raw = new double[row.length];
        for (int j = 0; j < row.length; j++) {
            probability[j] = row[j];
            raw[j] = Math.log(row[j]);
        }
        int[] order = Ranking.top(row, topK);
        String[] top = new String[topK];
        double[] topP = new double[topK];
        for (int j = 0; j < topK; j++) {
            top[j] = labels.label(order[j]);
            topP[j] = row[order[j]];
        }
        return new Prediction(order[0], top[0], probability, raw, top, topP);
    }

    /** Images (CHW floats, in order) packed into one {@code [n, c, h, w]} network input. */
    public static INDArray features(List<float[]> images, InputShape shape) {
        int size = shape.size();
        float[] flat = new float[images.size() * size];
        for (int i = 0; i < images.size(); i++) {
            float[] image = images.get(i);
            if (image.length != size) {
                throw new IllegalArgumentException("image " + i + " has " + image.length + " values, the input shape "
                        + shape + " needs " + size);
            }
            System.arraycopy(image, 0, flat, i * size, size);
        }
        return Nd4j.create(flat, new long[] {images.size(), shape.channels(), shape.height(), shape.width()}, 'c');
    }
}
