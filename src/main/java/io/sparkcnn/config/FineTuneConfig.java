package io.sparkcnn.config;

import java.io.Serializable;

/**
 * Where a fine-tuned network starts ({@code model.init}: a model folder, {@code champion}, or a DL4J model zip;
 * empty: a fresh network) and the layer up to which it stays frozen ({@code model.freeze}; empty: none).
 */
public record FineTuneConfig(String init, String freeze) implements Serializable {
    public static final String CHAMPION = "champion";

    public FineTuneConfig {
        if (init == null || freeze == null) {
            throw new IllegalArgumentException("model.init and model.freeze must not be null (empty: unset)");
        }
        if (init.isEmpty() && !freeze.isEmpty()) {
            throw new ConfigException(Settings.MODEL_FREEZE.key(), "freezes layers of the network model.init starts "
                    + "from; set model.init too (got model.freeze = " + freeze + " and no model.init)");
        }
    }

    public boolean enabled() {
        return !init.isEmpty();
    }
}
