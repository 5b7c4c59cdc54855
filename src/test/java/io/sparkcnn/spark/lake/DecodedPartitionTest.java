package io.sparkcnn.spark.lake;

import io.sparkcnn.data.LakeSummary;
import io.sparkcnn.data.Normalisation;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class DecodedPartitionTest {
    private static float[] levels(int n) {
        float[] px = new float[n];
        for (int i = 0; i < n; i++) {
            px[i] = (i * 37 % 256) / 255f; // what the decoder produces for 8-bit images
        }
        return px;
    }

    @Test
    void eightBitLevelsAreKeptAsBytesAndReadBackBitForBit() {
        float[] px = levels(3 * 12);
        DecodedPartition p = DecodedPartition.of(0, px, new int[] {0, 1, 2}, new long[3], 3, new LakeSummary(1));
        assertNotNull(p.levels());
        assertNull(p.floats());
        assertEquals(36, p.pixelBytes(), "one byte per value");
        for (int i = 0; i < 3; i++) {
            float[] expected = new float[12];
            System.arraycopy(px, i * 12, expected, 0, 12);
            assertArrayEquals(expected, p.image(i, Normalisation.unit()), 0f, "image " + i);
        }
    }

    @Test
    void anyValueThatIsNotAnEightBitLevelKeepsFloats() {
        float[] px = levels(2 * 12);
        px[17] = 0.5f; // resampled or 16-bit: 127.5 / 255
        DecodedPartition p = DecodedPartition.of(4, px, new int[] {0, 1}, new long[2], 2, new LakeSummary(1));
        assertNull(p.levels());
        assertEquals(4L * 24, p.pixelBytes());
        assertEquals(0.5f, p.image(1, Normalisation.unit())[5], 0f);
    }
}
