package io.sparkcnn.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * The memory of a dense float INDArray (c order, no gaps), for the loops of {@link CpuKernels} that run in
 * Java: a direct FloatBuffer over the array's own off-heap memory, read and written in place, which the JIT
 * compiles to plain loads and stores. ND4J element accessors (getFloat, putScalar) cost a call each.
 */
final class DenseFloats {
    private DenseFloats() {
    }

    /**
     * True when element i of the array is float i after its buffer's address: c order without gaps. Decided
     * by the strides alone: ND4J marks some vectors (DL4J's bias gradient views) 'f' though they are dense.
     */
    static boolean dense(INDArray a) {
        if (a.dataType() != DataType.FLOAT) {
            return false;
        }
        long expected = 1;
        for (int d = a.rank() - 1; d >= 0; d--) {
            // ND4J gives size-1 dimensions any stride (a [32,1,3,3] weight view has strides [9,9,3,1]).
            if (a.size(d) > 1 && a.stride(d) != expected) {
                return false;
            }
            expected *= a.size(d);
        }
        return true;
    }

    /** The array itself when dense, else a dense copy. */
    static INDArray denseOrCopy(INDArray a) {
        return dense(a) ? a : a.dup('c');
    }

    /** A pointer to element {@code offset} of a dense array (ND4J's buffer address includes a view's offset). */
    static FloatPointer pointer(INDArray a, long offset) {
        FloatPointer base = (FloatPointer) a.data().addressPointer();
        return new FloatPointer(base).position(base.position() + offset);
    }

    /** The dense array's memory as bytes in the platform's order, in place (for the Vector API's loads). */
    static ByteBuffer bytes(INDArray a) {
        if (4 * a.length() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("array of " + a.length() + " elements is too large for a buffer");
        }
        return covering(a).asByteBuffer().order(ByteOrder.nativeOrder());
    }

    /** The dense array's elements, in place. */
    static FloatBuffer of(INDArray a) {
        if (a.length() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("array of " + a.length() + " elements is too large for a buffer");
        }
        return covering(a).asBuffer();
    }

    /** A pointer to the dense array's elements, bounded to exactly them (what its buffers cover). */
    private static FloatPointer covering(INDArray a) {
        FloatPointer p = pointer(a, 0);
        return p.capacity(p.position() + a.length()).limit(p.position() + a.length());
    }
}
