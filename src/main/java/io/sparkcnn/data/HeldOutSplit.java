package io.sparkcnn.data;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/**
 * Deterministic train / held-out assignment. Each file's path relative to its lake root is hashed
 * with the seed (64-bit FNV-1a, then a MurmurHash3 finaliser for avalanche) into [0, 1); the file is
 * held out when that number is below the fraction. The assignment depends on nothing but the path,
 * the seed and the fraction: adding files to a lake never moves an old file across the split, and
 * moving the whole lake to another root or FileSystem keeps it too.
 */
public record HeldOutSplit(long seed, double fraction) implements Serializable {
    public HeldOutSplit {
        if (!(fraction >= 0.0 && fraction < 1.0)) {
            throw new IllegalArgumentException("held-out fraction must be in [0, 1), got " + fraction);
        }
    }

    public boolean isHeldOut(String relativePath) {
        return unitHash(relativePath) < fraction;
    }

    /** The path's position in [0, 1) for this seed. */
    public double unitHash(String relativePath) {
        long h = 0xcbf29ce484222325L ^ mix(seed);
        for (byte b : relativePath.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return (mix(h) >>> 11) * 0x1.0p-53;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
