package io.sparkcnn.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Off-heap limits from an executor's memory, and the error a task gives when JavaCPP refuses memory. */
class OffHeapTest {
    @Test
    void limitsComeFromTheExecutorsHeapAndOverhead() {
        assertArrayEquals(new long[] {300, 1000 + 360}, OffHeap.executorLimits(1000, 400));
    }

    @Test
    void javaCppsRefusalIsExplainedWithTheSettingToRaiseAndHeapExhaustionIsLeftAlone() {
        OutOfMemoryError javacpp = new OutOfMemoryError("Cannot allocate new FloatPointer(1000000): totalBytes = 12M, "
                + "physicalBytes = 900M; Physical memory usage is too high: physicalBytes (900M) > maxPhysicalBytes (800M)");
        assertTrue(OffHeap.isOffHeap(javacpp));
        IllegalStateException e = OffHeap.explain(javacpp, "worker 3 (round 2 of epoch 1)");
        assertTrue(e.getMessage().startsWith("worker 3 (round 2 of epoch 1) ran out of ND4J's off-heap memory"),
                e.getMessage());
        assertTrue(e.getMessage().contains("raise spark.executor.memoryOverhead")
                && e.getMessage().contains(OffHeap.MAX_BYTES + " = "), e.getMessage());
        assertSame(javacpp, e.getCause());
        assertFalse(OffHeap.isOffHeap(new OutOfMemoryError("Java heap space")));
    }
}
