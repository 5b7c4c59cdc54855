package io.sparkcnn.train;

import org.bytedeco.javacpp.Pointer;

/**
 * ND4J keeps arrays off the Java heap, in memory JavaCPP caps with {@value #MAX_BYTES} (its arrays) and
 * {@value #MAX_PHYSICAL_BYTES} (the whole process). On a cluster that memory is the container's overhead
 * (spark.executor.memoryOverhead), so spark-cnn derives both from it, and a task that hits them fails saying
 * which setting to raise instead of with JavaCPP's bare OutOfMemoryError.
 */
public final class OffHeap {
    public static final String MAX_BYTES = "org.bytedeco.javacpp.maxbytes";
    public static final String MAX_PHYSICAL_BYTES = "org.bytedeco.javacpp.maxphysicalbytes";

    private OffHeap() {
    }

    /** The limits for an executor with {@code heapBytes} of heap and {@code overheadBytes} of overhead. */
    public static long[] executorLimits(long heapBytes, long overheadBytes) {
        return new long[] {overheadBytes * 3 / 4, heapBytes + overheadBytes * 9 / 10};
    }

    /** Whether {@code e} is JavaCPP refusing an allocation (rather than the Java heap running out). */
    public static boolean isOffHeap(OutOfMemoryError e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("maxBytes") || m.contains("maxPhysicalBytes") || m.contains("Cannot allocate")
                || m.contains("Physical memory usage is too high");
    }

    /** The error a task reports when {@code e} is JavaCPP refusing an allocation in {@code where}. */
    public static IllegalStateException explain(OutOfMemoryError e, String where) {
        return new IllegalStateException(where + " ran out of ND4J's off-heap memory (" + String.valueOf(e.getMessage())
                .lines().findFirst().orElse("") + "). Its limits in this JVM: " + MAX_BYTES + " = "
                + Pointer.maxBytes() + ", " + MAX_PHYSICAL_BYTES + " = " + Pointer.maxPhysicalBytes() + ". On "
                + "executors spark-cnn sets them to 75% of spark.executor.memoryOverhead and to the heap plus 90% of "
                + "it: raise spark.executor.memoryOverhead, or lower train.batchSizePerWorker or the data.image size. "
                + "In local mode they are the launcher JVM's: SPARK_CNN_JAVA_OPTS=\"-D" + MAX_BYTES + "=4g\".", e);
    }
}
