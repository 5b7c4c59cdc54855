package io.sparkcnn.config;

import java.io.Serializable;

/** The bad-file policy; by default a bad file stops the job, because a silent drop is never acceptable. */
public record BadFilesConfig(BadFilePolicy policy, double maxFraction, int listLimit, DuplicatePolicy duplicates)
        implements Serializable {
    public BadFilesConfig {
        if (duplicates == null) {
            throw new ConfigException(Settings.BAD_FILES_DUPLICATES.key(), "must be " + Settings.BAD_FILES_DUPLICATES.allowed());
        }
        if (policy == null) {
            throw new ConfigException(Settings.BAD_FILES_POLICY.key(),
                    "must be " + Settings.BAD_FILES_POLICY.allowed());
        }
        Settings.BAD_FILES_MAX_FRACTION.check(maxFraction);
        Settings.BAD_FILES_LIST_LIMIT.check(listLimit);
    }
}
