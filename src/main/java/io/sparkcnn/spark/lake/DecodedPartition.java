package io.sparkcnn.spark.lake;

import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.data.Augmentation;
import io.sparkcnn.data.BadImageException;
import io.sparkcnn.data.ImageDecoder;
import io.sparkcnn.data.LakeSummary;
import io.sparkcnn.data.Normalisation;

import java.io.Serializable;

/**
 * One worker's decoded share of a split: {@code count} images as consecutive CHW values in [0, 1], their
 * class ids, and what decoding saw (bad files). Kept in Spark's cache across rounds. Where every value is an
 * 8-bit level v / 255 (8-bit images, no resampling), the pixels are kept as bytes, a quarter of the floats'
 * size, and read back as exactly the floats the decoder produced; otherwise as floats. {@code keys} are the
 * images' {@link Augmentation#key path keys}, which seed their augmentation. With data.cache.storage = encoded
 * it holds the files' bytes instead ({@code encoded}), decoded as {@code decodeAs} each time an image is used.
 */
public record DecodedPartition(int index, byte[] levels, float[] floats, byte[][] encoded, ImageConfig decodeAs,
                               int[] labels, long[] keys, int count, LakeSummary summary) implements Serializable {
    /** One decoder per thread and image setting: a decoder keeps its ImageIO readers and is not thread-safe. */
    private static final ThreadLocal<java.util.Map<ImageConfig, ImageDecoder>> DECODERS =
            ThreadLocal.withInitial(java.util.HashMap::new);

    /** Keeps {@code pixels} (count x image size floats) as bytes when that loses nothing. */
    public static DecodedPartition of(int index, float[] pixels, int[] labels, long[] keys, int count,
                                      LakeSummary summary) {
        byte[] levels = new byte[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            int level = Math.round(pixels[i] * 255f);
            if (level < 0 || level > 255 || level / 255f != pixels[i]) {
                return new DecodedPartition(index, null, pixels, null, null, labels, keys, count, summary);
            }
            levels[i] = (byte) level;
        }
        return new DecodedPartition(index, levels, null, null, null, labels, keys, count, summary);
    }

    /** Whether the partition holds the files' bytes, decoded on use. */
    public boolean isEncoded() {
        return encoded != null;
    }

    /** Collects a partition's decoded images and class ids as they are decoded, growing its arrays as needed. */
    public static final class Builder {
        private final int size;
        private final ImageConfig encodedAs;
        private byte[][] files;
        private float[] pixels;
        private int[] ids = new int[64];
        private long[] keys = new long[64];
        private int n;

        /** @param size values per image (channels x height x width) */
        public Builder(int size) {
            this.size = size;
            this.encodedAs = null;
            this.pixels = new float[size * ids.length];
        }

        private Builder(ImageConfig image) {
            this.size = image.size();
            this.encodedAs = image;
            this.files = new byte[ids.length][];
        }

        /** A builder that keeps the files' bytes, to be decoded as {@code image} on use. */
        public static Builder encoded(ImageConfig image) {
            return new Builder(image);
        }

        /** A file of class {@code classId} read from {@code path}, kept as its bytes. */
        public void addEncoded(int classId, byte[] bytes, String path) {
            if (n == ids.length) {
                ids = java.util.Arrays.copyOf(ids, n * 2);
                keys = java.util.Arrays.copyOf(keys, n * 2);
                files = java.util.Arrays.copyOf(files, n * 2);
            }
            ids[n] = classId;
            keys[n] = Augmentation.key(path);
            files[n] = bytes;
            n++;
        }

        /** An image of class {@code classId} read from {@code path}. */
        public void add(int classId, float[] image, String path) {
            if (n == ids.length) {
                ids = java.util.Arrays.copyOf(ids, n * 2);
                keys = java.util.Arrays.copyOf(keys, n * 2);
                pixels = java.util.Arrays.copyOf(pixels, n * 2 * size);
            }
            ids[n] = classId;
            keys[n] = Augmentation.key(path);
            System.arraycopy(image, 0, pixels, n * size, size);
            n++;
        }

        public DecodedPartition build(int index, LakeSummary summary) {
            if (encodedAs != null) {
                return new DecodedPartition(index, null, null, java.util.Arrays.copyOf(files, n), encodedAs,
                        java.util.Arrays.copyOf(ids, n), java.util.Arrays.copyOf(keys, n), n, summary);
            }
            return of(index, java.util.Arrays.copyOf(pixels, n * size), java.util.Arrays.copyOf(ids, n),
                    java.util.Arrays.copyOf(keys, n), n, summary);
        }
    }

    /**
     * A copy of image {@code i}'s CHW pixels ({@code channels} x {@code height} x {@code width}), augmented for
     * {@code epoch} when {@code augmentation} is enabled, then normalised for the network.
     */
    public float[] image(int i, Normalisation normalisation, Augmentation augmentation, int channels, int height,
                         int width, int epoch) {
        if (!augmentation.enabled()) {
            return image(i, normalisation);
        }
        if (keys == null) {
            throw new IllegalStateException("partition " + index + " was decoded without its images' keys");
        }
        float[] raw = image(i, Normalisation.unit());
        return normalisation.apply(augmentation.apply(raw, channels, height, width, epoch, keys[i]));
    }

    /** A copy of image {@code i}'s CHW pixels, normalised for the network. */
    public float[] image(int i, Normalisation normalisation) {
        if (encoded != null) {
            try {
                return normalisation.apply(DECODERS.get().computeIfAbsent(decodeAs, ImageDecoder::new)
                        .decode(encoded[i], "cached").pixels());
            } catch (BadImageException e) {
                throw new IllegalStateException("image " + i + " of partition " + index + " decoded when it was "
                        + "cached and not now: " + e.getMessage(), e);
            }
        }
        int size = values() / count;
        float[] image = new float[size];
        if (levels != null) {
            for (int k = 0, j = i * size; k < size; k++, j++) {
                image[k] = (levels[j] & 0xff) / 255f; // the decoder's own conversion, so bit-identical
            }
        } else {
            System.arraycopy(floats, i * size, image, 0, size);
        }
        return normalisation.apply(image);
    }

    /** Bytes the pixels (or, encoded, the files) take in memory. */
    public long pixelBytes() {
        if (encoded != null) {
            long bytes = 0;
            for (byte[] file : encoded) {
                bytes += file.length;
            }
            return bytes;
        }
        return levels != null ? levels.length : 4L * floats.length;
    }

    private int values() {
        return levels != null ? levels.length : floats.length;
    }
}
