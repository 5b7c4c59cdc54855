package io.sparkcnn.eval;

import java.io.Serializable;

/**
 * A misclassified held-out image: its pixels in [0, 1] (channels, height, width), the true and the predicted
 * class, and the probability the network gave its wrong answer. Evaluation keeps the most confident ones.
 */
public record Mistake(float[] pixels, int channels, int height, int width, String trueLabel, String predicted,
                      double probability) implements Serializable {
}
