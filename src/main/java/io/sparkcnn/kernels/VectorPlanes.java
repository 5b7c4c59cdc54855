package io.sparkcnn.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@link FusedMaxPooling}'s plane (bias, ReLU and 2x2 max pooling of one channel of one image) in SIMD lanes,
 * with the JDK's incubating Vector API ({@code jdk.incubator.vector}, which conf/java17.flags adds). Same
 * results as the scalar loop, bit for bit: the same integer comparisons on the same bits, lane by lane.
 *
 * <p>Why: in scalar code that loop is the largest cost of a pooled convolution after the matrix product,
 * because a 2x2 window's inputs sit in two rows and adjacent lanes, which C2's auto-vectoriser does not
 * handle. Here a chunk of a row pair is two vector loads; one shuffle each separates a window's left and
 * right inputs, and every comparison and choice after that is lane-wise.
 *
 * <p>Loaded only when the module is in the JVM ({@link FusedMaxPooling#VECTOR}): a JVM started without
 * {@code --add-modules=jdk.incubator.vector} keeps the scalar loop.
 */
final class VectorPlanes {
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = INTS.length();
    /** A window's left (even) and right (odd) inputs in the lower half of the lanes; the upper half repeats them. */
    private static final VectorShuffle<Integer> LEFT = VectorShuffle.fromOp(INTS, i -> (2 * i) % LANES);
    private static final VectorShuffle<Integer> RIGHT = VectorShuffle.fromOp(INTS, i -> (2 * i + 1) % LANES);
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private VectorPlanes() {
    }

    /** Windows per vector chunk (half the lanes): planes with fewer windows across keep the scalar loop. */
    static int windowsPerChunk() {
        return LANES / 2;
    }

    /**
     * Bias and ReLU in place over the plane's {@code h * w} values from element {@code start} of {@code out}.
     * The ReLU on bits ({@link #relu}), as in the scalar loop.
     */
    static void biasRelu(ByteBuffer out, int start, int length, float bias) {
        FloatVector shift = FloatVector.broadcast(FLOATS, bias);
        int i = 0;
        for (; i + LANES <= length; i += LANES) {
            int at = 4 * (start + i);
            relu(FloatVector.fromByteBuffer(FLOATS, out, at, ORDER).add(shift)).intoByteBuffer(out, at, ORDER);
        }
        for (; i < length; i++) {
            int at = 4 * (start + i);
            out.putFloat(at, Float.intBitsToFloat(FusedMaxPooling.relu(out.getFloat(at) + bias)));
        }
    }

    /** The ReLU on bits, as the scalar loop does it: the sign bit, spread, clears a negative value. */
    private static IntVector relu(FloatVector values) {
        IntVector v = values.reinterpretAsInts();
        return v.and(v.lanewise(VectorOperators.ASHR, 31).not());
    }

    /**
     * As {@link #poolRow} in inference, pooling first: each window's largest input (float max), then bias and
     * ReLU on the pooled values only; the row pair is left as it is. Returns false where {@link #poolRow} would.
     */
    static boolean poolRowFirst(ByteBuffer out, int top, int w, ByteBuffer pooled, int window, int pw, float bias) {
        int half = LANES / 2;
        int limit = pooled.limit() / 4;
        FloatVector shift = FloatVector.broadcast(FLOATS, bias);
        for (int ow = 0; ow < pw; ow += half) {
            int o = Math.min(ow, pw - half);
            if (window + o + LANES > limit) {
                return false;
            }
            IntVector upperRow = IntVector.fromByteBuffer(INTS, out, 4 * (top + 2 * o), ORDER);
            IntVector lowerRow = IntVector.fromByteBuffer(INTS, out, 4 * (top + w + 2 * o), ORDER);
            FloatVector upper = upperRow.rearrange(LEFT).reinterpretAsFloats()
                    .max(upperRow.rearrange(RIGHT).reinterpretAsFloats());
            FloatVector lower = lowerRow.rearrange(LEFT).reinterpretAsFloats()
                    .max(lowerRow.rearrange(RIGHT).reinterpretAsFloats());
            relu(upper.max(lower).add(shift)).intoByteBuffer(pooled, 4 * (window + o), ORDER);
        }
        return true;
    }

    /**
     * The pooled windows of row pair {@code oh} (top row from element {@code top}), after {@link #biasRelu}:
     * windows {@code [o, o + LANES/2)} per chunk, the last chunk moved back to end at the row's last window (it
     * recomputes a few, the same values). Each chunk stores all its lanes: the upper half, copies of the lower,
     * lands on the next windows, which the next chunk or the next row pair overwrites; a chunk whose store
     * would pass the end of the pooled array returns false for the caller to finish that row in scalar code.
     * {@code chosen} (null: not kept) gets each window's input as 2 bits, as the scalar loop encodes it.
     */
    static boolean poolRow(ByteBuffer out, int top, int w, ByteBuffer pooled, int window, int pw, int[] chosen) {
        int half = LANES / 2;
        int limit = pooled.limit() / 4;
        for (int ow = 0; ow < pw; ow += half) {
            int o = Math.min(ow, pw - half);
            if (window + o + LANES > limit || (chosen != null && window + o + LANES > chosen.length)) {
                return false;
            }
            IntVector upperRow = IntVector.fromByteBuffer(INTS, out, 4 * (top + 2 * o), ORDER);
            IntVector lowerRow = IntVector.fromByteBuffer(INTS, out, 4 * (top + w + 2 * o), ORDER);
            IntVector a = upperRow.rearrange(LEFT);
            IntVector b = upperRow.rearrange(RIGHT);
            IntVector d = lowerRow.rearrange(LEFT);
            IntVector e = lowerRow.rearrange(RIGHT);
            IntVector upper = a.max(b);
            IntVector lower = d.max(e);
            upper.max(lower).intoByteBuffer(pooled, 4 * (window + o), ORDER);
            if (chosen != null) {
                // The first largest in row-major order: the upper row on a tie, then the left input.
                VectorMask<Integer> down = upper.lt(lower);
                VectorMask<Integer> right = a.blend(d, down).lt(b.blend(e, down));
                IntVector zero = IntVector.zero(INTS);
                zero.blend(2, down).add(zero.blend(1, right)).intoArray(chosen, window + o);
            }
        }
        return true;
    }
}
