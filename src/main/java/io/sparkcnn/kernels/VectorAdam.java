package io.sparkcnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@link JavaAdam}'s loop in SIMD lanes, with the JDK's incubating Vector API: the same operations in the same
 * order on each element (separate multiplies and adds, never fused; a float square root, which rounds as the
 * scalar loop's double one does), so the same bits. Why: the scalar loop is bound by its divisions and square
 * roots, one element at a time; in lanes it runs at the speed memory delivers the four arrays.
 *
 * <p>Loaded only when the module is in the JVM ({@link VectorApi#PRESENT}).
 */
final class VectorAdam {
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = FLOATS.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private VectorAdam() {
    }

    /** As {@link JavaAdam#step}, over the first {@code n} floats of each buffer. */
    static void step(ByteBuffer g, ByteBuffer m, ByteBuffer u, int n, float beta1, float beta2, float step,
                     float epsilon) {
        FloatVector b1 = FloatVector.broadcast(FLOATS, beta1);
        FloatVector c1 = FloatVector.broadcast(FLOATS, 1f - beta1);
        FloatVector b2 = FloatVector.broadcast(FLOATS, beta2);
        FloatVector c2 = FloatVector.broadcast(FLOATS, 1f - beta2);
        FloatVector s = FloatVector.broadcast(FLOATS, step);
        FloatVector e = FloatVector.broadcast(FLOATS, epsilon);
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            int at = 4 * i;
            FloatVector gi = FloatVector.fromByteBuffer(FLOATS, g, at, ORDER);
            FloatVector mi = b1.mul(FloatVector.fromByteBuffer(FLOATS, m, at, ORDER)).add(gi.mul(c1));
            FloatVector ui = b2.mul(FloatVector.fromByteBuffer(FLOATS, u, at, ORDER)).add(gi.mul(gi).mul(c2));
            mi.intoByteBuffer(m, at, ORDER);
            ui.intoByteBuffer(u, at, ORDER);
            mi.mul(s).div(ui.sqrt().add(e)).intoByteBuffer(g, at, ORDER);
        }
        if (i < n) {
            JavaAdam.step(tail(g, i), tail(m, i), tail(u, i), n - i, beta1, beta2, step, epsilon);
        }
    }

    /** The floats of {@code bytes} from float {@code from} on. */
    private static java.nio.FloatBuffer tail(ByteBuffer bytes, int from) {
        return bytes.duplicate().order(ORDER).position(4 * from).slice().order(ORDER).asFloatBuffer();
    }
}
