package io.sparkcnn.config;

import java.io.Serializable;

/**
 * Where versioned models live: {@code dir/<model>/v<N>/}. An empty dir means no registry (train writes only
 * to output.dir).
 */
public record RegistryConfig(String dir, String model) implements Serializable {
    public RegistryConfig {
        Settings.REGISTRY_DIR.check(dir);
        Settings.REGISTRY_MODEL.check(model);
    }

    public boolean enabled() {
        return !dir.isBlank();
    }

    /** The registry folder, or a configuration error naming the key when none is set. */
    public String requireDir() {
        if (!enabled()) {
            throw new ConfigException(Settings.REGISTRY_DIR.key(), "is empty; set it to the registry folder, e.g. "
                    + "--set registry.dir=hdfs:///models");
        }
        return dir;
    }
}
