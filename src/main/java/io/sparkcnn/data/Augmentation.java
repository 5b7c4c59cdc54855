package io.sparkcnn.data;

import io.sparkcnn.config.AugmentConfig;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * Training augmentation of a decoded image (CHW values in [0, 1], before normalisation): random-resized crop,
 * horizontal flip, pad-and-crop, brightness and contrast jitter, in that order, as {@link AugmentConfig} enables
 * them. Every draw comes from a generator seeded by (job seed, epoch, image key), the key being a hash of the
 * image's path: an image gets the same augmentation in a retried task, a resumed run or on another worker, and
 * another one in every epoch.
 */
public final class Augmentation implements Serializable {
    private static final double LOG_MIN_ASPECT = Math.log(3.0 / 4.0);
    private static final double LOG_MAX_ASPECT = Math.log(4.0 / 3.0);

    private final AugmentConfig config;
    private final long seed;

    public Augmentation(AugmentConfig config, long seed) {
        this.config = config;
        this.seed = seed;
    }

    public boolean enabled() {
        return config.enabled();
    }

    /** The key of an image: a 64-bit hash of its path (FNV-1a over the UTF-16 units, then mixed). */
    public static long key(String path) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < path.length(); i++) {
            h ^= path.charAt(i);
            h *= 0x100000001b3L;
        }
        return h ^ (h >>> 33);
    }

    /** A new array: {@code chw} augmented for {@code epoch}; {@code chw} is not modified. */
    public float[] apply(float[] chw, int channels, int height, int width, int epoch, long key) {
        SplittableRandom random = new SplittableRandom(((seed * 0x9E3779B97F4A7C15L) + epoch) * 0xC2B2AE3D27D4EB4FL + key);
        float[] out = chw.clone();
        if (config.cropScale() < 1.0) {
            out = resizedCrop(out, channels, height, width, random);
        }
        if (config.flip() && random.nextBoolean()) {
            flip(out, channels, height, width);
        }
        if (config.padCrop() > 0) {
            out = shift(out, channels, height, width, random.nextInt(-config.padCrop(), config.padCrop() + 1),
                    random.nextInt(-config.padCrop(), config.padCrop() + 1));
        }
        if (config.brightness() > 0) {
            float factor = (float) (1 + random.nextDouble(-config.brightness(), config.brightness()));
            for (int i = 0; i < out.length; i++) {
                out[i] = clamp(out[i] * factor);
            }
        }
        if (config.contrast() > 0) {
            float factor = (float) (1 + random.nextDouble(-config.contrast(), config.contrast()));
            double sum = 0;
            for (float v : out) {
                sum += v;
            }
            float mean = (float) (sum / out.length);
            for (int i = 0; i < out.length; i++) {
                out[i] = clamp((out[i] - mean) * factor + mean);
            }
        }
        return out;
    }

    /** A window of a random share of the area and aspect ratio, scaled back to height x width (bilinear). */
    private float[] resizedCrop(float[] in, int channels, int height, int width, SplittableRandom random) {
        double area = height * (double) width * random.nextDouble(config.cropScale(), 1.0);
        double aspect = Math.exp(random.nextDouble(LOG_MIN_ASPECT, LOG_MAX_ASPECT));
        int cw = (int) Math.round(Math.sqrt(area * aspect));
        int ch = (int) Math.round(Math.sqrt(area / aspect));
        cw = Math.max(1, Math.min(width, cw));
        ch = Math.max(1, Math.min(height, ch));
        int x0 = random.nextInt(width - cw + 1);
        int y0 = random.nextInt(height - ch + 1);
        float[] out = new float[in.length];
        int plane = height * width;
        for (int y = 0; y < height; y++) {
            // Pixel centres mapped onto the window (half-pixel convention), clamped at its edges.
            double sy = Math.min(ch - 1, Math.max(0, (y + 0.5) * ch / height - 0.5));
            int y1 = (int) sy;
            int y2 = Math.min(ch - 1, y1 + 1);
            float fy = (float) (sy - y1);
            for (int x = 0; x < width; x++) {
                double sx = Math.min(cw - 1, Math.max(0, (x + 0.5) * cw / width - 0.5));
                int x1 = (int) sx;
                int x2 = Math.min(cw - 1, x1 + 1);
                float fx = (float) (sx - x1);
                for (int c = 0; c < channels; c++) {
                    int base = c * plane;
                    float a = in[base + (y0 + y1) * width + x0 + x1];
                    float b = in[base + (y0 + y1) * width + x0 + x2];
                    float d = in[base + (y0 + y2) * width + x0 + x1];
                    float e = in[base + (y0 + y2) * width + x0 + x2];
                    float top = a + (b - a) * fx;
                    float bottom = d + (e - d) * fx;
                    out[base + y * width + x] = top + (bottom - top) * fy;
                }
            }
        }
        return out;
    }

    private static void flip(float[] a, int channels, int height, int width) {
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                int row = (c * height + y) * width;
                for (int l = row, r = row + width - 1; l < r; l++, r--) {
                    float t = a[l];
                    a[l] = a[r];
                    a[r] = t;
                }
            }
        }
    }

    /** The image moved by (dx, dy) inside its frame, black where nothing moved in: pad-and-crop. */
    private static float[] shift(float[] in, int channels, int height, int width, int dx, int dy) {
        float[] out = new float[in.length];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                int sy = y + dy;
                if (sy < 0 || sy >= height) {
                    continue;
                }
                for (int x = 0; x < width; x++) {
                    int sx = x + dx;
                    if (sx >= 0 && sx < width) {
                        out[(c * height + y) * width + x] = in[(c * height + sy) * width + sx];
                    }
                }
            }
        }
        return out;
    }

    private static float clamp(float v) {
        return v < 0f ? 0f : Math.min(v, 1f);
    }
}
