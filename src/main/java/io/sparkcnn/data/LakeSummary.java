package io.sparkcnn.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a pass over a lake saw, mergeable so that Spark can tree-aggregate it: usable images per split
 * and label, the kinds of image seen (format, size, channels, depth: while there are at most
 * {@link #MAX_KINDS} of them; beyond, only format, channels and depth, and the sizes as an {@link ImageSizes}
 * histogram), bad files (all counted, the first kept with reasons, sorted by path) and per-channel pixel sums of
 * the training split.
 */
public final class LakeSummary implements Serializable {
    /** More distinct kinds than this (a photo lake's sizes) are summarised, not listed. */
    public static final int MAX_KINDS = 16;

    private final Map<Split, TreeMap<String, Long>> images = new TreeMap<>();
    private final TreeMap<String, Long> kinds = new TreeMap<>();
    private final TreeMap<String, Long> formats = new TreeMap<>();
    private final ImageSizes sizes = new ImageSizes();
    private boolean manyKinds;
    private final List<BadFile> badFiles = new ArrayList<>();
    private final double[] channelSum;
    private final double[] channelSumSq;
    private long pixelsPerChannel;

    public LakeSummary(int channels) {
        this.channelSum = new double[channels];
        this.channelSumSq = new double[channels];
        for (Split s : Split.values()) {
            images.put(s, new TreeMap<>());
        }
    }

    /** Counts a usable image; training images also feed the channel statistics. */
    public LakeSummary addImage(LakeFile file, DecodedImage image) {
        images.get(file.split()).merge(file.label(), 1L, Long::sum);
        if (!manyKinds) {
            kinds.merge(image.kind(), 1L, Long::sum);
            limitKinds();
        }
        formats.merge(image.format() + " " + image.sourceChannels() + "ch " + image.bitDepth() + "-bit", 1L, Long::sum);
        sizes.add(image.sourceWidth(), image.sourceHeight());
        if (file.split() == Split.TRAIN) {
            float[] px = image.pixels();
            int plane = px.length / channelSum.length;
            for (int c = 0; c < channelSum.length; c++) {
                double s = 0;
                double sq = 0;
                for (int i = c * plane; i < (c + 1) * plane; i++) {
                    s += px[i];
                    sq += (double) px[i] * px[i];
                }
                channelSum[c] += s;
                channelSumSq[c] += sq;
            }
            pixelsPerChannel += plane;
        }
        return this;
    }

    /** Registers a label folder that exists but may hold no usable image, so it shows with a zero count. */
    public LakeSummary addLabel(Split split, String label) {
        images.get(split).putIfAbsent(label, 0L);
        return this;
    }

    public LakeSummary addBad(BadFile bad) {
        badFiles.add(bad);
        return this;
    }

    public LakeSummary merge(LakeSummary other) {
        for (Split s : Split.values()) {
            other.images.get(s).forEach((k, v) -> images.get(s).merge(k, v, Long::sum));
        }
        manyKinds |= other.manyKinds;
        if (!manyKinds) {
            other.kinds.forEach((k, v) -> kinds.merge(k, v, Long::sum));
            limitKinds();
        }
        other.formats.forEach((k, v) -> formats.merge(k, v, Long::sum));
        sizes.merge(other.sizes);
        badFiles.addAll(other.badFiles);
        for (int c = 0; c < channelSum.length; c++) {
            channelSum[c] += other.channelSum[c];
            channelSumSq[c] += other.channelSumSq[c];
        }
        pixelsPerChannel += other.pixelsPerChannel;
        return this;
    }

    /** Usable images per label (sorted by label) in one split. */
    public Map<String, Long> images(Split split) {
        return java.util.Collections.unmodifiableMap(images.get(split));
    }

    public long imageCount(Split split) {
        return images.get(split).values().stream().mapToLong(Long::longValue).sum();
    }

    public long imageCount() {
        return imageCount(Split.TRAIN) + imageCount(Split.HELD_OUT);
    }

    private void limitKinds() {
        if (kinds.size() > MAX_KINDS) {
            manyKinds = true;
            kinds.clear();
        }
    }

    /**
     * Images per kind (format, width x height, channels, bits per sample), or, beyond {@link #MAX_KINDS} kinds, per
     * format, channels and bits alone (then {@link #sizes} has the sizes).
     */
    public Map<String, Long> kinds() {
        return java.util.Collections.unmodifiableMap(manyKinds ? formats : kinds);
    }

    /** Whether {@link #kinds} lists every size, or only formats because there were too many sizes to list. */
    public boolean kindsListSizes() {
        return !manyKinds;
    }

    public ImageSizes sizes() {
        return sizes;
    }

    public long badCount() {
        return badFiles.size();
    }

    /** Every bad file, sorted by path. */
    public List<BadFile> badFiles() {
        List<BadFile> sorted = new ArrayList<>(badFiles);
        sorted.sort(Comparator.comparing(BadFile::path).thenComparing(BadFile::reason));
        return sorted;
    }

    /** Files and empty folders seen: usable images plus bad ones. */
    public long seenCount() {
        return imageCount() + badFiles.size();
    }

    /** The normalisation of the training split's pixels. */
    public Normalisation standardisation() {
        if (pixelsPerChannel == 0) {
            throw new DataException("no training images: cannot compute the mean and standard deviation");
        }
        double[] mean = new double[channelSum.length];
        double[] std = new double[channelSum.length];
        for (int c = 0; c < mean.length; c++) {
            mean[c] = channelSum[c] / pixelsPerChannel;
            double var = channelSumSq[c] / pixelsPerChannel - mean[c] * mean[c];
            std[c] = Math.sqrt(Math.max(var, 0));
        }
        return Normalisation.standardise(mean, std);
    }
}
