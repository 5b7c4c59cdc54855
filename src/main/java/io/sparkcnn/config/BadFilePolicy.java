package io.sparkcnn.config;

/** What a bad input file does to a job: stop it, or be counted and reported. */
public enum BadFilePolicy {
    FAIL, SKIP;

    public static BadFilePolicy fromConfig(String value) {
        return ConfigName.parse(Settings.BAD_FILES_POLICY, value, BadFilePolicy.class);
    }

    public String configName() {
        return ConfigName.of(this);
    }
}
