package io.sparkcnn.data;

import io.sparkcnn.config.AugmentConfig;
import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.JobConfigLoader;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AugmentationTest {
    private static final int C = 3;
    private static final int H = 6;
    private static final int W = 5;

    private static float[] image() {
        Random r = new Random(4);
        float[] a = new float[C * H * W];
        for (int i = 0; i < a.length; i++) {
            a[i] = 0.1f + 0.8f * r.nextFloat();
        }
        return a;
    }

    private static float at(float[] a, int c, int y, int x) {
        return a[(c * H + y) * W + x];
    }

    @Test
    void everyDrawFollowsFromSeedEpochAndImage() {
        Augmentation all = new Augmentation(new AugmentConfig(true, 0.3, 2, 0.3, 0.3), 42);
        float[] in = image();
        float[] once = all.apply(in, C, H, W, 3, Augmentation.key("cats/1.png"));
        assertArrayEquals(once, all.apply(in, C, H, W, 3, Augmentation.key("cats/1.png")), "the same draw again");
        assertArrayEquals(image(), in, "the input is not modified");
        assertFalse(Arrays.equals(once, all.apply(in, C, H, W, 4, Augmentation.key("cats/1.png"))), "another epoch");
        assertFalse(Arrays.equals(once, all.apply(in, C, H, W, 3, Augmentation.key("cats/2.png"))), "another image");
        assertFalse(Arrays.equals(once, new Augmentation(new AugmentConfig(true, 0.3, 2, 0.3, 0.3), 43)
                .apply(in, C, H, W, 3, Augmentation.key("cats/1.png"))), "another seed");
        for (int k = 0; k < 50; k++) {
            for (float v : all.apply(in, C, H, W, k, k)) {
                assertTrue(v >= 0f && v <= 1f, "stays a pixel value: " + v);
            }
        }
    }

    @Test
    void flipMirrorsHalfTheTime() {
        Augmentation flip = new Augmentation(new AugmentConfig(true, 1.0, 0, 0, 0), 1);
        float[] in = image();
        int mirrored = 0;
        for (int k = 0; k < 200; k++) {
            float[] out = flip.apply(in, C, H, W, 0, k);
            if (Arrays.equals(out, in)) {
                continue;
            }
            mirrored++;
            for (int c = 0; c < C; c++) {
                for (int y = 0; y < H; y++) {
                    for (int x = 0; x < W; x++) {
                        assertEquals(at(in, c, y, W - 1 - x), at(out, c, y, x));
                    }
                }
            }
        }
        assertTrue(mirrored > 70 && mirrored < 130, mirrored + " of 200 mirrored");
    }

    @Test
    void padCropShiftsTheImageWithinThePadding() {
        Augmentation pad = new Augmentation(new AugmentConfig(false, 1.0, 2, 0, 0), 1);
        float[] in = image();
        boolean moved = false;
        for (int k = 0; k < 40; k++) {
            float[] out = pad.apply(in, C, H, W, 0, k);
            boolean found = false;
            for (int dy = -2; dy <= 2 && !found; dy++) {
                for (int dx = -2; dx <= 2 && !found; dx++) {
                    boolean all = true;
                    for (int c = 0; c < C && all; c++) {
                        for (int y = 0; y < H && all; y++) {
                            for (int x = 0; x < W && all; x++) {
                                int sy = y + dy;
                                int sx = x + dx;
                                float expected = sy < 0 || sy >= H || sx < 0 || sx >= W ? 0f : at(in, c, sy, sx);
                                all = at(out, c, y, x) == expected;
                            }
                        }
                    }
                    found = all;
                    moved |= all && (dx != 0 || dy != 0);
                }
            }
            assertTrue(found, "a shift of at most 2 pixels, black where nothing moved in");
        }
        assertTrue(moved);
    }

    @Test
    void resizedCropInterpolatesWithinTheImageAndJitterScalesIt() {
        float[] in = image();
        float lo = 1f;
        float hi = 0f;
        for (float v : in) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        Augmentation crop = new Augmentation(new AugmentConfig(false, 0.2, 0, 0, 0), 1);
        boolean changed = false;
        for (int k = 0; k < 20; k++) {
            float[] out = crop.apply(in, C, H, W, 0, k);
            assertEquals(in.length, out.length);
            changed |= !Arrays.equals(in, out);
            for (float v : out) {
                assertTrue(v >= lo - 1e-6f && v <= hi + 1e-6f, "bilinear: within the image's range");
            }
        }
        assertTrue(changed);
        Augmentation brightness = new Augmentation(new AugmentConfig(false, 1.0, 0, 0.1, 0), 1);
        float[] out = brightness.apply(in, C, H, W, 0, 7);
        float factor = out[0] / in[0];
        assertTrue(factor >= 0.9f && factor <= 1.1f && factor != 1f, "one factor in [0.9, 1.1]: " + factor);
        for (int i = 0; i < in.length; i++) {
            assertEquals(Math.min(1f, in[i] * factor), out[i], 1e-5f);
        }
        assertFalse(new Augmentation(AugmentConfig.NONE, 1).enabled());
    }

    @Test
    void settingsAreReadCheckedAndRefusedWithTheStockStrategy() {
        AugmentConfig read = JobConfigLoader.load(Optional.empty(), List.of("data.augment.flip=true",
                "data.augment.cropScale=0.08", "data.augment.padCrop=4", "data.augment.brightness=0.4",
                "data.augment.contrast=0.4")).data().augment();
        assertEquals(new AugmentConfig(true, 0.08, 4, 0.4, 0.4), read);
        ConfigException scale = assertThrows(ConfigException.class, () -> JobConfigLoader.load(Optional.empty(),
                List.of("data.augment.cropScale=0")));
        assertEquals("data.augment.cropScale", scale.key());
        ConfigException stock = assertThrows(ConfigException.class, () -> JobConfigLoader.load(Optional.empty(),
                List.of("data.augment.flip=true", "train.strategy=dl4j-stock")));
        assertTrue(stock.getMessage().contains("averaging"), stock.getMessage());
    }
}
