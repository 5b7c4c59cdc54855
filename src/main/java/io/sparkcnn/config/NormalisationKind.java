package io.sparkcnn.config;

/** How pixel values are scaled before they reach the network. */
public enum NormalisationKind {
    UNIT, STANDARDISE;

    public static NormalisationKind fromConfig(String value) {
        return ConfigName.parse(Settings.IMAGE_NORMALISATION, value, NormalisationKind.class);
    }

    public String configName() {
        return ConfigName.of(this);
    }
}
