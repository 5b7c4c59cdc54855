package io.sparkcnn.registry;

import java.util.Map;

/**
 * A complete version of a model: its number, folder, what {@code version.json} says of it (kind, parent,
 * the champion/challenger decision, data counts), its status relative to the promotion history, and
 * {@code damage}: null, or what listing found wrong with its files (missing, or another length than at
 * registration; reading and promoting also compare their SHA-256).
 */
public record RegistryVersion(int number, String location, Map<String, Object> entry, Status status,
                              String damage) {
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
