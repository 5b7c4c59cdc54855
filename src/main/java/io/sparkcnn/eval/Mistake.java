package io.sparkcnn.eval;

import java.io.Serializable;

/**
 * A misclassified held-out image: its pixels in [0, 1] (channels, height, width), the true and the predicted
 * class, the probability the network gave its wrong answer, and, once explained, its saliency for the predicted
 * class (height x width; null before). Evaluation keeps the most confident ones.
 */
public record Mistake(float[] pixels, int channels, int height, int width, String trueLabel, String predicted,
                      double probability, float[] saliency) implements Serializable {
    public Mistake(float[] pixels, int channels, int height, int width, String trueLabel, String predicted,
                   double probability) {
        this(pixels, channels, height, width, trueLabel, predicted, probability, null);
    }

    public Mistake withSaliency(float[] map) {
        return new Mistake(pixels, channels, height, width, trueLabel, predicted, probability, map);
    }
}
