package io.sparkcnn.model;

import java.io.Serializable;

/** The shape of one network input, channels x height x width (NCHW once batched). */
public record InputShape(int channels, int height, int width) implements Serializable {
    public InputShape {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("input shape must be positive, got " + channels + "x" + height + "x" + width);
        }
    }

    /** The shape the configured decoding produces. */
    public static InputShape of(io.sparkcnn.config.ImageConfig image) {
        return new InputShape(image.channels(), image.height(), image.width());
    }

    public int size() {
        return channels * height * width;
    }

    /** channels x height x width, e.g. 1x28x28. */
    public String describe() {
        return channels + "x" + height + "x" + width;
    }
}
