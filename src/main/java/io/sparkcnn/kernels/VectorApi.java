package io.sparkcnn.kernels;

/**
 * Whether this JVM has the JDK's incubating Vector API module ({@code jdk.incubator.vector}, which
 * conf/java17.flags adds): the SIMD loops ({@link VectorPlanes}, {@link VectorAdam}) load only where it does;
 * elsewhere their scalar twins run, with the same bits.
 */
final class VectorApi {
    static final boolean PRESENT = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private VectorApi() {
    }
}
