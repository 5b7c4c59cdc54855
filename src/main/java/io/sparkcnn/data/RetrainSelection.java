package io.sparkcnn.data;

import java.io.Serializable;

/**
 * Which files of a lake a retrain uses: the held-out files it scores champion and challenger on, every
 * training file that is new since the baseline snapshot, and a replay sample of the old training files.
 * The held-out files are those of {@code frozenHeldOut} (the model's first snapshot: the same images in every
 * run, so scores compare across runs) or, when it is null, every held-out file the lake has now. The replay
 * sample hashes each file's relative path with a seed that changes with every version, so successive
 * retrains replay different shares, and a re-run of one replays the same share.
 */
public record RetrainSelection(DataSnapshot baseline, DataSnapshot frozenHeldOut, long replaySeed,
                               double replayFraction) implements Serializable {
    public RetrainSelection {
        if (!(replayFraction >= 0 && replayFraction <= 1)) {
            throw new IllegalArgumentException("replay fraction must be in [0, 1], got " + replayFraction);
        }
    }

    /** The replay seed of version {@code version} of a job seeded with {@code seed}. */
    public static long replaySeed(long seed, int version) {
        return seed * 0x9E3779B97F4A7C15L + version;
    }

    /** A usable training file that the baseline did not have, or had with another size or an older time. */
    public boolean isNewTraining(LakeFile f) {
        return f.split() == Split.TRAIN && f.problem() == null && baseline.isNewOrChanged(f);
    }

    /** A usable held-out file that the baseline did not have (counted for the log). */
    public boolean isNewHeldOut(LakeFile f) {
        return f.split() == Split.HELD_OUT && f.problem() == null && baseline.isNewOrChanged(f);
    }

    /** A held-out file both models are scored on. */
    public boolean isScored(LakeFile f) {
        return f.split() == Split.HELD_OUT && (frozenHeldOut == null || frozenHeldOut.heldOutThen(f));
    }

    /** An old training file in the replay sample. */
    public boolean isReplayed(LakeFile f) {
        if (f.split() != Split.TRAIN || f.problem() != null || baseline.isNewOrChanged(f) || replayFraction == 0) {
            return false;
        }
        return replayFraction >= 1 || new HeldOutSplit(replaySeed, 0.5).unitHash(f.relativePath()) < replayFraction;
    }

    /** What the selection makes of a lake's files, counted in one pass. */
    public record Tally(long newTraining, long newHeldOut, long replayed, long scored) implements Serializable {
        public static final Tally NONE = new Tally(0, 0, 0, 0);

        public Tally plus(Tally o) {
            return new Tally(newTraining + o.newTraining, newHeldOut + o.newHeldOut, replayed + o.replayed,
                    scored + o.scored);
        }
    }

    /** One file's contribution to the {@link Tally}. */
    public Tally tally(LakeFile f) {
        return new Tally(isNewTraining(f) ? 1 : 0, isNewHeldOut(f) ? 1 : 0, isReplayed(f) ? 1 : 0, isScored(f) ? 1 : 0);
    }

    /**
     * Whether the retrain reads the file: the scored held-out files, new training files (bad ones too, so the
     * bad-file policy sees them), replayed ones.
     */
    public boolean selects(LakeFile f) {
        if (f.split() == Split.HELD_OUT) {
            return isScored(f);
        }
        return f.problem() != null ? baseline.isNewOrChanged(f) : baseline.isNewOrChanged(f) || isReplayed(f);
    }
}
