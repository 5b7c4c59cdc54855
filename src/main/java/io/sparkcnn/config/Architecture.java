package io.sparkcnn.config;

/**
 * The network architectures spark-cnn builds (see {@code model.architecture}), and {@link #FILE}: a network
 * configuration the user wrote ({@code file:<path>}).
 */
public enum Architecture {
    SEED_CNN, LENET, DEEP_CNN, RESNET, RESNET18, RESNET34, RESNET50, MOBILENET_V2, FILE;

    public static final String FILE_PREFIX = "file:";

    public static Architecture fromConfig(String value) {
        if (value.startsWith(FILE_PREFIX)) {
            Settings.MODEL_ARCHITECTURE.check(value);
            return FILE;
        }
        return ConfigName.parse(Settings.MODEL_ARCHITECTURE, value, Architecture.class);
    }

    public String configName() {
        return ConfigName.of(this);
    }
}
