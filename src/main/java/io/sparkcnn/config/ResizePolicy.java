package io.sparkcnn.config;

/** What to do with an image whose size differs from the configured tensor size. */
public enum ResizePolicy {
    ERROR, RESIZE, CENTRE_CROP;

    public static ResizePolicy fromConfig(String value) {
        return ConfigName.parse(Settings.IMAGE_RESIZE, value, ResizePolicy.class);
    }

    public String configName() {
        return ConfigName.of(this);
    }
}
