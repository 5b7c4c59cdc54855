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

    /**
     * The image (as grey) with the map over it in red, scaled up by a whole factor to at least 224 pixels on its
     * shorter side, as PNG bytes.
     */
    public static byte[] png(float[] pixels, float[] map, InputShape shape) {
        int scale = Math.max(1, (224 + Math.min(shape.height(), shape.width()) - 1)
                / Math.min(shape.height(), shape.width()));
        int h = shape.height();
        int w = shape.width();
        float max = 1e-6f;
        for (float v : map) {
            max = Math.max(max, v);
        }
        java.awt.image.BufferedImage out = new java.awt.image.BufferedImage(w * scale, h * scale,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        int plane = h * w;
        for (int y = 0; y < h * scale; y++) {
            for (int x = 0; x < w * scale; x++) {
                int at = (y / scale) * w + x / scale;
                float grey = 0;
                for (int c = 0; c < shape.channels(); c++) {
                    grey += pixels[c * plane + at];
                }
                grey /= shape.channels();
                float heat = Math.max(0, map[at]) / max;
                int r = Math.round(255 * Math.min(1, grey * (1 - heat) + heat));
                int g = Math.round(255 * grey * (1 - heat));
                int b = Math.round(255 * grey * (1 - heat));
                out.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try {
            javax.imageio.ImageIO.write(out, "png", bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
