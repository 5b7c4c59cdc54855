package io.sparkcnn.config;

/** The network architectures spark-cnn builds (see {@code model.architecture}). */
public enum Architecture {
    SEED_CNN, LENET, DEEP_CNN, RESNET, RESNET18, RESNET34, RESNET50, MOBILENET_V2;

    public static Architecture fromConfig(String value) {
        return ConfigName.parse(Settings.MODEL_ARCHITECTURE, value, Architecture.class);
    }

    public String configName() {
        return ConfigName.of(this);
    }
}
