package io.sparkcnn.kernels;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Map;

/**
 * The sum of two dense float NCHW arrays of one shape by oneDNN's binary primitive in the channel-blocked layout
 * of {@link OneDnn#blocked}, for {@link AddVertex}: a residual block's add, between oneDNN layers whose arrays
 * are in that layout already ({@link BlockedCopies}). Float addition is the same in any layout: the sums are
 * ND4J's, bit for bit.
 *
 * <p>One instance per vertex, not thread-safe, like the vertex; used when {@link OneDnn#available}.
 */
final class OneDnnAdd extends OneDnnKernel {
    private final Map<String, Plan> plans = OneDnn.plans();
    private long sums;

    /**
     * Whether {@link #forward} would read at least one input from a copy in the blocked layout: else the
     * vertex adds the NCHW arrays itself, which costs less than reordering both into the layout and out.
     */
    boolean blocked(INDArray a, INDArray b) {
        Plan p = plan(a);
        return copies() != null && (copies().holdsIn(a, p.src0.wanted) || copies().holdsIn(b, p.src1.wanted));
    }

    /** out = a + b, element by element; the three arrays have one shape. */
    void forward(INDArray a, INDArray b, INDArray out) {
        Plan p = plan(a);
        IntMemoryMap args = new IntMemoryMap();
        args.put(dnnl.DNNL_ARG_SRC_0, p.src0.in(a, stream, copies()));
        args.put(dnnl.DNNL_ARG_SRC_1, p.src1.in(b, stream, copies()));
        args.put(dnnl.DNNL_ARG_DST, p.dst.bind(out));
        p.add().execute(stream, args);
        output(p.dst, out, true);
        stream._wait();
        sums++;
    }

    /** How many sums {@link #forward} has run. */
    long sums() {
        return sums;
    }

    private Plan plan(INDArray x) {
        long[] dims = x.shape();
        return plans.computeIfAbsent(Arrays.toString(dims), k -> new Plan(dims));
    }

    private static final class Plan {
        final memory.desc data;
        final OneDnn.Operand src0;
        final OneDnn.Operand src1;
        final OneDnn.Operand dst;
        private primitive add;

        Plan(long[] dims) {
            memory.desc plain = OneDnn.floats(dims, memory.format_tag.nchw);
            data = OneDnn.floats(dims, OneDnn.blocked());
            src0 = new OneDnn.Operand(plain, data);
            src1 = new OneDnn.Operand(plain, data);
            dst = new OneDnn.Operand(plain, data);
        }

        primitive add() {
            if (add == null) {
                add = new binary(new binary.primitive_desc(new binary.desc(dnnl.algorithm.binary_add, data, data,
                        data), OneDnn.ENGINE));
            }
            return add;
        }
    }
}
