package io.sparkcnn.data;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The sizes of a lake's images as a histogram of their longer side, with the smallest and largest width and
 * height: a photo lake has nearly as many distinct sizes as photos, and a line per size says nothing.
 * Mergeable, of fixed size whatever the lake.
 */
public final class ImageSizes implements Serializable {
    /** Upper bounds of the buckets of the longer side, in pixels; a last bucket holds the rest. */
    static final int[] BOUNDS = {32, 64, 128, 256, 512, 1024, 2048, 4096};

    private final long[] counts = new long[BOUNDS.length + 1];
    private int minWidth = Integer.MAX_VALUE;
    private int maxWidth;
    private int minHeight = Integer.MAX_VALUE;
    private int maxHeight;

    void add(int width, int height) {
        int longer = Math.max(width, height);
        int bucket = 0;
        while (bucket < BOUNDS.length && longer > BOUNDS[bucket]) {
            bucket++;
        }
        counts[bucket]++;
        minWidth = Math.min(minWidth, width);
        maxWidth = Math.max(maxWidth, width);
        minHeight = Math.min(minHeight, height);
        maxHeight = Math.max(maxHeight, height);
    }

    void merge(ImageSizes other) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
        minWidth = Math.min(minWidth, other.minWidth);
        maxWidth = Math.max(maxWidth, other.maxWidth);
        minHeight = Math.min(minHeight, other.minHeight);
        maxHeight = Math.max(maxHeight, other.maxHeight);
    }

    /** Images per bucket of the longer side, e.g. "129-256 px", empty buckets left out. */
    public Map<String, Long> histogram() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0) {
                String range = i == BOUNDS.length ? "> " + BOUNDS[i - 1]
                        : (i == 0 ? 1 : BOUNDS[i - 1] + 1) + "-" + BOUNDS[i];
                out.put(range + " px", counts[i]);
            }
        }
        return out;
    }

    /** "W1-W2 x H1-H2 px" (a single number where all agree), or "none". */
    public String range() {
        if (maxWidth == 0) {
            return "none";
        }
        return String.format(Locale.ROOT, "%s x %s px", span(minWidth, maxWidth), span(minHeight, maxHeight));
    }

    private static String span(int min, int max) {
        return min == max ? String.valueOf(min) : min + "-" + max;
    }
}
