package io.sparkcnn.config;

/**
 * What a manifest that lists one file more than once does: stop the job naming the rows (a file trained twice,
 * or under two labels, is a mistake in the manifest more often than a wish), or keep the first row.
 */
public enum DuplicatePolicy {
    ERROR, FIRST;

    public static DuplicatePolicy fromConfig(String value) {
        return ConfigName.parse(Settings.BAD_FILES_DUPLICATES, value, DuplicatePolicy.class);
    }

    public String configName() {
        return ConfigName.of(this);
    }
}
