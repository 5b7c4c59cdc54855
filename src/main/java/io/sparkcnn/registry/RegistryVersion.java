package io.sparkcnn.registry;

import java.util.Map;

/**
 * A complete version of a model: its number, folder, what {@code version.json} says of it (kind, parent,
 * the champion/challenger decision, data counts, its files' lengths and SHA-256) and its status relative to the
 * promotion history. {@link ModelRegistry#damage} checks its files.
 */
public record RegistryVersion(int number, String location, Map<String, Object> entry, Status status) {
    /** Where a version stands: champion now, champion once, rejected by its retrain, or never promoted. */
    public enum Status {
        CHAMPION, FORMER_CHAMPION, REJECTED, CANDIDATE;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        }
    }

    public String name() {
        return "v" + number;
    }
}
