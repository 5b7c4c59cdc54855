package io.sparkcnn.train;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * Which images a worker fits in which round. Each epoch, every worker shuffles its own partition with a
 * stream derived from (seed, epoch, partition) and walks it in minibatches, K per round; a round never
 * crosses an epoch. Everything follows from the plan's numbers, never from a worker's memory, so a
 * retried task fits exactly the minibatches the failed attempt was given.
 */
public record EpochPlan(long seed, int batchSize, int averagingFrequency) implements Serializable {
    public EpochPlan {
        if (batchSize <= 0 || averagingFrequency <= 0) {
            throw new IllegalArgumentException("batch size and averaging frequency must be > 0");
        }
    }

    /** The epoch's visiting order of a partition's {@code n} images. */
    public int[] order(int partition, int epoch, int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch * 0xC2B2AE3D27D4EB4FL + partition);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    public int minibatches(int n) {
        return (n + batchSize - 1) / batchSize;
    }

    /** Rounds in an epoch: enough for the largest partition to visit all its images. */
    public int roundsPerEpoch(int largestPartition) {
        return Math.max(1, (minibatches(largestPartition) + averagingFrequency - 1) / averagingFrequency);
    }

    /** The positions (into {@link #order}) a worker fits in a round: [from, to), empty once it is done. */
    public int[] positions(int round, int n) {
        int from = Math.min(n, round * averagingFrequency * batchSize);
        int to = Math.min(n, (round + 1) * averagingFrequency * batchSize);
        return new int[] {from, to};
    }
}
