package io.sparkcnn.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Occlusion saliency (Zeiler and Fergus, "Visualizing and Understanding Convolutional Networks", 2014): cover
 * one square of the image at a time with grey and see how much the probability of a class drops. Where the drop
 * is large, the network was looking. Model-agnostic and needs only forward passes, so it explains any network
 * spark-cnn trains, in the same units as its answers.
 */
public final class Occlusion {
    /** Mid-grey: the mean of pixels in [0, 1], so a patch adds no edge brighter or darker than the image has. */
    private static final float GREY = 0.5f;

    private Occlusion() {
    }

    /** The patch side for an image: about a seventh of its shorter side, at least 2 pixels. */
    public static int patch(InputShape shape) {
        return Math.max(2, Math.min(shape.height(), shape.width()) / 7);
    }

    /** Every occluded copy of {@code pixels} (CHW), one per patch position, the stride half the patch. */
    public static List<float[]> occluded(float[] pixels, InputShape shape) {
        int p = patch(shape);
        int stride = Math.max(1, p / 2);
        List<float[]> out = new ArrayList<>();
        for (int y = 0; y + p <= shape.height(); y += stride) {
            for (int x = 0; x + p <= shape.width(); x += stride) {
                float[] copy = pixels.clone();
                for (int c = 0; c < shape.channels(); c++) {
                    int plane = c * shape.height() * shape.width();
                    for (int dy = 0; dy < p; dy++) {
                        for (int dx = 0; dx < p; dx++) {
                            copy[plane + (y + dy) * shape.width() + x + dx] = GREY;
                        }
                    }
                }
                out.add(copy);
            }
        }
        return out;
    }

    /**
     * The saliency map, height x width, row-major: for each pixel, the mean drop in the class's probability over
     * the patches covering it ({@code probabilities[i]}: the class's probability with patch i covered, in the order
     * {@link #occluded} makes them; {@code original}: without a patch). Negative where covering helped the class.
     */
    public static float[] map(double original, double[] probabilities, InputShape shape) {
        int p = patch(shape);
        int stride = Math.max(1, p / 2);
        float[] sum = new float[shape.height() * shape.width()];
        int[] covered = new int[sum.length];
        int i = 0;
        for (int y = 0; y + p <= shape.height(); y += stride) {
            for (int x = 0; x + p <= shape.width(); x += stride) {
                float drop = (float) (original - probabilities[i++]);
                for (int dy = 0; dy < p; dy++) {
                    for (int dx = 0; dx < p; dx++) {
                        int at = (y + dy) * shape.width() + x + dx;
                        sum[at] += drop;
                        covered[at]++;
                    }
                }
            }
        }
        for (int j = 0; j < sum.length; j++) {
            sum[j] = covered[j] == 0 ? 0 : sum[j] / covered[j];
        }
        return sum;
    }

    /** The image followed by its occluded copies: what {@link #saliency(List, InputShape)} needs classified. */
    public static List<float[]> withOccluded(float[] pixels, InputShape shape) {
        List<float[]> all = new ArrayList<>();
        all.add(pixels);
        all.addAll(occluded(pixels, shape));
        return all;
    }

    /**
     * The saliency map of an image for the class ranked first, from the predictions for {@link #withOccluded}'s
     * images, in that order.
     */
    public static float[] saliency(List<Classifier.Prediction> predictions, InputShape shape) {
        int label = predictions.get(0).index();
        double[] covered = new double[predictions.size() - 1];
        for (int i = 1; i < predictions.size(); i++) {
            covered[i - 1] = predictions.get(i).probability()[label];
        }
        return map(predictions.get(0).probability()[label], covered, shape);
    }

    /** The saliency map of an image for the class the classifier ranks first, classified in one pass. */
    public static float[] saliency(Classifier classifier, float[] pixels, InputShape shape) {
        return saliency(classifier.classify(withOccluded(pixels, shape)), shape);
    }
}
