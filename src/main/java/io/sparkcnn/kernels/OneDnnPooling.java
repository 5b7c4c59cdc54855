package io.sparkcnn.kernels;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_backward;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Max pooling of dense float NCHW activations by oneDNN's primitives, for {@link MaxPooling}: forward (in
 * training it also records each window's chosen input in a workspace of its own) and backward (each window's
 * gradient to that input), in the channel-blocked layout of {@link OneDnn#blocked} (reordered from and to
 * DL4J's NCHW arrays: on plain NCHW oneDNN's kernel transposes as it goes, several times slower). oneDNN picks
 * the first largest input of a window in row-major order, as libnd4j and {@link MaxPooling}'s loops do. Why:
 * those loops run one window at a time in scalar code; oneDNN's are vectorised across channels.
 *
 * <p>One instance per layer, not thread-safe, like the layer; used when {@link OneDnn#available}.
 */
final class OneDnnPooling extends OneDnnKernel {
    private final Map<String, Plan> plans = OneDnn.plans();
    /** The input of the last training forward pass, whose choices the workspace of {@link #choicesIn} holds. */
    private INDArray choicesOf;
    private Plan choicesIn;

    /**
     * out = the max of each window of input ({@code kernel}, {@code strides}, top-left {@code pad}); the output
     * size is out's. Inference runs in the chunks of {@link OneDnn#inferenceChunks}.
     */
    void forward(INDArray input, INDArray out, int[] kernel, int[] strides, int[] pad, boolean training) {
        int[] chunks = training ? new int[] {(int) input.size(0)} : OneDnn.inferenceChunks((int) input.size(0));
        if (chunks.length > 1) {
            nchw(input); // read as views, which the copies do not know
            int from = 0;
            for (int chunk : chunks) {
                forward(OneDnn.images(input, from, chunk), OneDnn.images(out, from, chunk), kernel, strides, pad,
                        false);
                from += chunk;
            }
            return;
        }
        Plan p = plan(input, out, kernel, strides, pad);
        IntMemoryMap args = new IntMemoryMap();
        args.put(dnnl.DNNL_ARG_SRC, p.src.in(input, stream, copies()));
        args.put(dnnl.DNNL_ARG_DST, p.dst.bind(out));
        if (training) {
            args.put(dnnl.DNNL_ARG_WORKSPACE, p.workspace());
        }
        (training ? p.training() : p.inference()).execute(stream, args);
        output(p.dst, out, true);
        stream._wait();
        choicesOf = training ? input : null;
        choicesIn = training ? p : null;
    }

    /**
     * gradient (zeroed or not: every element is written) = each window's gradient from {@code epsilon} added to
     * the input it chose. The choices are the last training pass's when it was over this input; else that pass
     * runs again first (into a scratch output) to make them.
     */
    void backward(INDArray input, INDArray epsilon, INDArray gradient, int[] kernel, int[] strides, int[] pad) {
        Plan p = plan(input, epsilon, kernel, strides, pad);
        if (input != choicesOf || choicesIn != p) {
            IntMemoryMap args = new IntMemoryMap();
            args.put(dnnl.DNNL_ARG_SRC, p.src.in(input, stream, copies()));
            args.put(dnnl.DNNL_ARG_DST, p.scratch());
            args.put(dnnl.DNNL_ARG_WORKSPACE, p.workspace());
            p.training().execute(stream, args);
        }
        choicesOf = null;
        choicesIn = null;
        IntMemoryMap args = new IntMemoryMap();
        args.put(dnnl.DNNL_ARG_DIFF_DST, p.diffDst.in(epsilon, stream, copies()));
        args.put(dnnl.DNNL_ARG_WORKSPACE, p.workspace());
        args.put(dnnl.DNNL_ARG_DIFF_SRC, p.diffSrc.bind(gradient));
        p.backward().execute(stream, args);
        inputGradient(p.diffSrc, gradient);
        stream._wait();
    }

    private Plan plan(INDArray input, INDArray out, int[] kernel, int[] strides, int[] pad) {
        long[] in = input.shape();
        long[] o = out.shape();
        String key = java.util.Arrays.toString(in) + " -> " + java.util.Arrays.toString(o) + " window "
                + java.util.Arrays.toString(kernel) + " stride " + java.util.Arrays.toString(strides) + " pad "
                + java.util.Arrays.toString(pad);
        return plans.computeIfAbsent(key, k -> new Plan(in, o, kernel, strides, pad));
    }

    private static final class Plan {
        final memory.desc srcDesc;
        final memory.desc dstDesc;
        final long[] strides;
        final long[] kernel;
        final long[] padLeft;
        final long[] padRight;
        final pooling_forward.primitive_desc trainingDesc;
        final OneDnn.Operand src;
        final OneDnn.Operand dst;
        final OneDnn.Operand diffDst;
        final OneDnn.Operand diffSrc;
        // Built on first use: a plan for an inference chunk never compiles the training primitives or holds the
        // workspace of chosen inputs.
        private primitive training;
        private primitive inference;
        private memory workspace;
        private memory scratch;
        private primitive backward;

        Plan(long[] in, long[] out, int[] kernel, int[] strides, int[] pad) {
            srcDesc = OneDnn.floats(in, OneDnn.blocked());
            dstDesc = OneDnn.floats(out, OneDnn.blocked());
            this.strides = new long[] {strides[0], strides[1]};
            this.kernel = new long[] {kernel[0], kernel[1]};
            padLeft = new long[] {pad[0], pad[1]};
            padRight = new long[2];
            for (int d = 0; d < 2; d++) {
                // The padding the last window reaches past the input (0 where DL4J's Truncate mode drops a
                // partial window: oneDNN's output size then rounds down the same way).
                long reach = (out[2 + d] - 1) * strides[d] + kernel[d];
                padRight[d] = Math.max(0, reach - in[2 + d] - pad[d]);
            }
            trainingDesc = new pooling_forward.primitive_desc(new pooling_forward.desc(
                    dnnl.prop_kind.forward_training, dnnl.algorithm.pooling_max, srcDesc, dstDesc, this.strides,
                    this.kernel, padLeft, padRight), OneDnn.ENGINE);
            memory.desc plainIn = OneDnn.floats(in, memory.format_tag.nchw);
            memory.desc plainOut = OneDnn.floats(out, memory.format_tag.nchw);
            src = new OneDnn.Operand(plainIn, srcDesc);
            dst = new OneDnn.Operand(plainOut, dstDesc);
            diffDst = new OneDnn.Operand(plainOut, dstDesc);
            diffSrc = new OneDnn.Operand(plainIn, srcDesc);
        }

        primitive training() {
            if (training == null) {
                training = new pooling_forward(trainingDesc);
            }
            return training;
        }

        primitive inference() {
            if (inference == null) {
                inference = new pooling_forward(new pooling_forward.primitive_desc(new pooling_forward.desc(
                        dnnl.prop_kind.forward_inference, dnnl.algorithm.pooling_max, srcDesc, dstDesc, strides,
                        kernel, padLeft, padRight), OneDnn.ENGINE));
            }
            return inference;
        }

        memory workspace() {
            if (workspace == null) {
                workspace = new memory(trainingDesc.workspace_desc(), OneDnn.ENGINE);
            }
            return workspace;
        }

        memory scratch() {
            if (scratch == null) {
                scratch = new memory(dstDesc, OneDnn.ENGINE);
            }
            return scratch;
        }

        primitive backward() {
            if (backward == null) {
                backward = new pooling_backward(new pooling_backward.primitive_desc(new pooling_backward.desc(
                        dnnl.algorithm.pooling_max, srcDesc, dstDesc, strides, kernel, padLeft, padRight),
                        OneDnn.ENGINE, trainingDesc));
            }
            return backward;
        }
    }
}
