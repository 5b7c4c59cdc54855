package io.sparkcnn.config;

import java.io.Serializable;

/** How often a training run saves what it needs to resume, and how many of those checkpoints it keeps. */
public record CheckpointConfig(int everyRounds, int keep) implements Serializable {
    public CheckpointConfig {
        Settings.CHECKPOINT_EVERY_ROUNDS.check(everyRounds);
        Settings.CHECKPOINT_KEEP.check(keep);
    }

    /** Whether a checkpoint is due after {@code roundsDone} rounds of the whole run. */
    public boolean dueAfter(long roundsDone) {
        return everyRounds > 0 && roundsDone % everyRounds == 0;
    }
}
