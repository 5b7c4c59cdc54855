package io.sparkcnn.data;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a pass over a lake reports of its image kinds and sizes. */
class LakeSummaryTest {
    private static LakeFile file(int i) {
        return new LakeFile("file:/lake/a/" + i + ".jpg", "a/" + i + ".jpg", "a", Split.HELD_OUT, 1, 1, null);
    }

    private static DecodedImage image(int width, int height) {
        return new DecodedImage("jpeg", width, height, 3, 8, new float[3]);
    }

    @Test
    void aFewKindsAreListedWithTheirSizes() {
        LakeSummary s = new LakeSummary(3);
        s.addImage(file(1), image(28, 28)).addImage(file(2), image(28, 28)).addImage(file(3), image(32, 24));
        assertTrue(s.kindsListSizes());
        assertEquals(Map.of("jpeg 28x28 3ch 8-bit", 2L, "jpeg 32x24 3ch 8-bit", 1L), s.kinds());
        assertEquals("28-32 x 24-28 px", s.sizes().range());
    }

    @Test
    void aPhotoLakesThousandsOfSizesBecomeAHistogramEvenAcrossMergedPartitions() {
        LakeSummary a = new LakeSummary(3);
        LakeSummary b = new LakeSummary(3);
        for (int i = 0; i < 3000; i++) {
            (i % 2 == 0 ? a : b).addImage(file(i), image(160 + i % 161, 120 + i % 200));
        }
        LakeSummary all = a.merge(b).merge(new LakeSummary(3).addImage(file(9999), image(4000, 3000)));
        assertFalse(all.kindsListSizes());
        assertEquals(Map.of("jpeg 3ch 8-bit", 3001L), all.kinds(), "one line per format, not per size");
        assertEquals("160-4000 x 120-3000 px", all.sizes().range());
        Map<String, Long> histogram = all.sizes().histogram();
        assertEquals(3001L, histogram.values().stream().mapToLong(Long::longValue).sum());
        assertEquals(1L, histogram.get("2049-4096 px"));
        assertTrue(histogram.get("129-256 px") > 0 && histogram.get("257-512 px") > 0, histogram.toString());
        assertEquals(3, histogram.size(), histogram.toString());
    }

    @Test
    void kindsBeyondTheLimitInOnePartitionStaySummarisedAfterAMergeWithAFewOthers() {
        LakeSummary many = new LakeSummary(3);
        for (int i = 0; i <= LakeSummary.MAX_KINDS; i++) {
            many.addImage(file(i), image(10 + i, 10));
        }
        LakeSummary few = new LakeSummary(3).addImage(file(100), image(5, 5));
        assertFalse(few.merge(many).kindsListSizes(), "a partition that saw too many kinds keeps the summary");
    }
}
