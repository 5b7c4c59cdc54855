package io.sparkcnn.config;

/**
 * The first layers of the photo networks (see {@code model.stem}): chosen by input size, the ImageNet stem
 * (downsampling by 4 before the first stage) or the small-image stem (no downsampling, as for CIFAR).
 */
public enum Stem {
    AUTO, IMAGENET, SMALL;

    public static Stem fromConfig(String value) {
        return ConfigName.parse(Settings.MODEL_STEM, value, Stem.class);
    }

    public String configName() {
        return ConfigName.of(this);
    }
}
