package io.sparkcnn.kernels;

import io.sparkcnn.config.Settings;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What spark-cnn's oneDNN kernels ({@link OneDnnConvolution}, {@link OneDnnBatchNorm}, {@link OneDnnPooling},
 * {@link OneDnnReLU}) share: the CPU engine of oneDNN 2.5 (JavaCPP's dnnl presets, at the JavaCPP line ND4J uses), whether it may be
 * used, and memories over DL4J's arrays, in place.
 *
 * <p>oneDNN runs on its own OpenMP runtime, which follows {@code OMP_NUM_THREADS} like ND4J's. When its
 * native library cannot be loaded (a platform the build has no natives for) or {@code -Dsparkcnn.onednn=false}
 * ({@link Settings#ONEDNN}), {@link #available} is false and the Java and OpenBLAS kernels run instead.
 */
final class OneDnn {
    static final engine ENGINE = cpuEngine();

    private OneDnn() {
    }

    /** True when oneDNN's library loaded on this machine and is not switched off. */
    static boolean available() {
        return ENGINE != null && Settings.ONEDNN.value();
    }

    private static engine cpuEngine() {
        try {
            return new engine(engine.kind.cpu, 0);
        } catch (Throwable e) { // UnsatisfiedLinkError on a platform without the natives
            LoggerFactory.getLogger(OneDnn.class).warn("oneDNN is not available here ({}): convolutions, batch "
                    + "normalisation and max pooling run in spark-cnn's Java and OpenBLAS kernels", e.toString());
            return null;
        }
    }

    /**
     * The channel-blocked layout oneDNN's element-wise JIT kernels (batch norm, pooling) run fastest in on this
     * CPU: 16 channels per block where it has AVX-512 (oneDNN's avx512_core bit), else 8. On DL4J's plain NCHW
     * arrays oneDNN runs generic loops several times slower than the two reorders to and from this layout cost.
     */
    static memory.format_tag blocked() {
        boolean avx512 = (dnnl.dnnl_get_effective_cpu_isa() & dnnl.cpu_isa.avx512_core.value
                & ~dnnl.cpu_isa.avx2.value) != 0;
        return avx512 ? memory.format_tag.nChw16c : memory.format_tag.nChw8c;
    }

    /**
     * A layer's primitives by shape, the most recently used few: a layer sees one minibatch size in training,
     * another for the last minibatch of an epoch and another in inference; never an unbounded number.
     */
    static <P> Map<String, P> plans() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, P> eldest) {
                return size() > PLANS_KEPT;
            }
        };
    }

    /** Enough for a training minibatch size, a last smaller one and every chunk size of inference up to 2^10. */
    private static final int PLANS_KEPT = 14;

    /**
     * The sizes an inference batch of n images runs in: the powers of two n is the sum of, largest first (37:
     * 32, 4, 1). A oneDNN primitive is compiled for one shape, in milliseconds per layer: a server's batches of
     * every size from 1 up would compile (and keep) a primitive per size; in chunks, at most 11 per layer up to
     * 1024 images, each compiled once. Inference is image by image, so chunks compute what the whole batch would.
     */
    static int[] inferenceChunks(int n) {
        int[] chunks = new int[Integer.bitCount(n)];
        int at = 0;
        for (int bit = Integer.highestOneBit(n); bit > 0; bit >>= 1) {
            if ((n & bit) != 0) {
                chunks[at++] = bit;
            }
        }
        return chunks;
    }

    /** Images [from, from + count) of a dense NCHW array: a dense view of it. */
    static INDArray images(INDArray a, long from, long count) {
        return a.get(NDArrayIndex.interval(from, from + count), NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.all());
    }

    static memory.desc floats(long[] dims, memory.format_tag tag) {
        return new memory.desc(dims, memory.data_type.f32, tag);
    }

    /** A memory of that layout without storage of its own: {@link #bind} points it at an array. */
    static memory unbound(memory.desc desc) {
        return new memory(desc, ENGINE, (Pointer) null);
    }

    /** The memory, pointed at a dense float array's elements (no copy). */
    static memory bind(memory m, INDArray array) {
        m.set_data_handle(address(array));
        return m;
    }

    /** The address of a dense float array's first element, as a position-0 pointer (what oneDNN reads). */
    private static Pointer address(INDArray array) {
        if (!DenseFloats.dense(array)) {
            throw new IllegalArgumentException("oneDNN operands must be dense float arrays: "
                    + array.shapeInfoToString());
        }
        FloatPointer first = DenseFloats.pointer(array, 0);
        long at = first.address() + 4L * first.position();
        return new Pointer() {
            {
                address = at; // Pointer's field (a local of that name would be hidden by it in here)
            }
        };
    }

    /**
     * One operand of a primitive: a memory over a DL4J array (its address set at each call) and, when the
     * primitive wants another layout, a memory of its own in that layout with the reorders between the two.
     */
    static final class Operand {
        final memory user;
        /** The layout the primitive wants. */
        final memory.desc wanted;
        private final boolean reordered;
        private memory inner;
        private reorder toInner;
        private reorder fromInner;

        Operand(memory.desc userDesc, memory.desc wanted) {
            user = unbound(userDesc);
            this.wanted = wanted;
            reordered = !userDesc.equals(wanted);
        }

        /** Whether the primitive's layout differs from the user's (the operand has a memory of its own). */
        boolean reordered() {
            return reordered;
        }

        /** The primitive's side: the user's memory, or one of its own allocated on first use. */
        memory inner() {
            if (inner == null) {
                inner = reordered ? new memory(wanted, ENGINE) : user;
            }
            return inner;
        }

        /** The operand in the primitive's layout, read from {@code array}. */
        memory in(INDArray array, stream stream) {
            OneDnn.bind(user, array);
            if (reordered) {
                if (toInner == null) {
                    toInner = new reorder(user, inner());
                }
                toInner.execute(stream, user, inner);
            }
            return inner();
        }

        /**
         * As {@link #in(INDArray, stream)}, but the copy of {@code array} already in the wanted layout when
         * {@code copies} holds one (no reorder). Asked even when no reorder is wanted: an array some kernel left
         * unwritten is written first.
         */
        memory in(INDArray array, stream stream, BlockedCopies copies) {
            memory copy = copies == null ? null : copies.find(array, wanted);
            return copy != null ? copy : in(array, stream);
        }

        /** The memory a primitive writes the result to; {@link #out} then puts it into {@code array}. */
        memory bind(INDArray array) {
            OneDnn.bind(user, array);
            return inner();
        }

        void out(stream stream) {
            if (reordered) {
                fromInner().execute(stream, inner, user);
            }
        }

        /**
         * As {@link #out(stream)}, then offers this operand's own memory to {@code copies} (null: none) as the
         * copy of {@code array}, the array {@link #bind} was given.
         */
        void out(stream stream, INDArray array, BlockedCopies copies) {
            out(stream, array, copies, false);
        }

        /**
         * As {@link #out(stream, INDArray, BlockedCopies)}; {@code unwritten}: the array is not written now but
         * offered unwritten (where this operand's layout is oneDNN's own and the array is a whole one: a view's
         * readers would ask for other views of it).
         */
        void out(stream stream, INDArray array, BlockedCopies copies, boolean unwritten) {
            if (copies == null || !reordered) {
                out(stream);
                return;
            }
            if (unwritten && !array.isView()) {
                offerUnwritten(stream, array, copies, 0);
                return;
            }
            out(stream);
            copies.offer(array, inner);
        }

        /**
         * Offers this operand's own memory to {@code copies} as the copy of {@code array}, unwritten, with the
         * work of the {@code ahead} layers after it in it already ({@link BlockedCopies#offerUnwritten}).
         */
        void offerUnwritten(stream stream, INDArray array, BlockedCopies copies, int ahead) {
            memory copy = inner;
            copies.offerUnwritten(array, copy, target -> {
                OneDnn.bind(user, target);
                fromInner().execute(stream, copy, user);
                stream._wait();
            }, ahead);
        }

        private reorder fromInner() {
            if (fromInner == null) {
                fromInner = new reorder(inner(), user);
            }
            return fromInner;
        }
    }
}
