package io.sparkcnn.config;

/**
 * A configuration problem found before any Spark work starts. The message always names the key,
 * the value at fault and what is allowed, so that a user can fix the file without reading code.
 */
public final class ConfigException extends RuntimeException {
    private final String key;

    public ConfigException(String key, String message) {
        super(key + ": " + message);
        this.key = key;
    }

    /** The configuration key at fault, e.g. {@code data.image.height}. */
    public String key() {
        return key;
    }
}
