package io.sparkcnn.config;

import java.io.Serializable;

/**
 * The tensor every image is decoded to: {@code channels x height x width} (NCHW once batched).
 * Defaults fit Fashion-MNIST: 28 x 28, one channel, no resizing, pixels scaled to [0, 1].
 */
public record ImageConfig(int height, int width, int channels, ResizePolicy resize,
                          NormalisationKind normalisation, long maxPixels) implements Serializable {
    public ImageConfig {
        Settings.IMAGE_HEIGHT.check(height);
        Settings.IMAGE_WIDTH.check(width);
        Settings.IMAGE_CHANNELS.check(channels);
        if (resize == null) {
            throw new ConfigException(Settings.IMAGE_RESIZE.key(), "must be " + Settings.IMAGE_RESIZE.allowed());
        }
        if (normalisation == null) {
            throw new ConfigException(Settings.IMAGE_NORMALISATION.key(),
                    "must be " + Settings.IMAGE_NORMALISATION.allowed());
        }
        Settings.IMAGE_MAX_PIXELS.check(maxPixels);
    }

    /** With the default {@code data.image.maxPixels}. */
    public ImageConfig(int height, int width, int channels, ResizePolicy resize, NormalisationKind normalisation) {
        this(height, width, channels, resize, normalisation, Settings.IMAGE_MAX_PIXELS.defaultValue());
    }

    /** Values per decoded image. */
    public int size() {
        return channels * height * width;
    }
}
