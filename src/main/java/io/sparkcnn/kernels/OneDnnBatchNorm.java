package io.sparkcnn.kernels;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Batch normalisation of dense float NCHW activations with gamma and beta, by oneDNN's primitives, for
 * {@link BatchNormKernel}: forward in training (the minibatch's mean and population variance, which it also
 * writes out for DL4J's running averages) or inference (the running ones), and backward (input, gamma and beta
 * gradients). The activations are reordered into the channel-blocked layout of {@link OneDnn#blocked} and
 * back: on plain NCHW oneDNN runs a generic loop about ten times slower than its JIT kernel, which with both
 * reorders still leaves it three to four times faster. Why oneDNN: the Java loops sum each channel in one
 * double chain, a latency-bound loop that took as long as the convolutions once those ran in oneDNN.
 *
 * <p>Where a plain ReLU layer is the only reader of the output ({@link #reluAfter}), a training step that keeps
 * only its result runs the batch norm and the ReLU as one primitive (oneDNN's fuse_norm_relu): the output holds
 * the ReLU's values, offered for the ReLU layer to pass on ({@link BlockedCopies#passOn}), and the backward pass
 * takes the gradient at the ReLU's output and applies the ReLU's gradient from the bit mask the forward pass
 * kept. Each ReLU was a pass over the activations each way, and as much time as the batch norm itself.
 *
 * <p>One instance per layer, not thread-safe, like the layer; used when {@link OneDnn#available}.
 */
final class OneDnnBatchNorm extends OneDnnKernel {
    private static final int SCALE_AND_SHIFT = dnnl.normalization_flags.use_scale.value
            | dnnl.normalization_flags.use_shift.value;
    private static final int FUSED_RELU = dnnl.normalization_flags.fuse_norm_relu.value;

    private final Map<String, Plan> plans = OneDnn.plans();
    private boolean reluAfter;
    /** The input of the last training pass if it ran with the ReLU fused in, else null. */
    private INDArray fusedFor;

    /**
     * The layer's only reader is a plain ReLU layer ({@link ReLULayer}) that passes on what it is offered:
     * training steps may fuse it in.
     */
    void reluAfter() {
        reluAfter = true;
    }

    /**
     * out = gamma * (x - mean) / sqrt(var + eps) + beta per channel. Training: mean and var are the minibatch's,
     * written into {@code mean} and {@code var}; inference: read from them, in the chunks of
     * {@link OneDnn#inferenceChunks}.
     */
    void forward(INDArray x, boolean training, INDArray gamma, INDArray beta, INDArray mean, INDArray var,
                 double eps, INDArray out) {
        if (!training && passedOn(x, out)) {
            return; // the convolution before folded this layer in
        }
        int[] chunks = training ? new int[] {(int) x.size(0)} : OneDnn.inferenceChunks((int) x.size(0));
        if (chunks.length > 1) {
            nchw(x); // read as views, which the copies do not know
            int from = 0;
            for (int chunk : chunks) {
                forward(OneDnn.images(x, from, chunk), false, gamma, beta, mean, var, eps,
                        OneDnn.images(out, from, chunk));
                from += chunk;
            }
            return;
        }
        Plan p = plan(x, eps);
        // Fused only where the ReLU's values may stand in for the output: nothing but the ReLU layer reads it in
        // this pass, and a memory of the plan's own holds it.
        boolean fused = training && reluAfter && sharing().outputUnwritten()
                && p.dst.reordered() && !out.isView();
        memory src = p.src.in(x, stream, copies());
        IntMemoryMap args = new IntMemoryMap();
        args.put(dnnl.DNNL_ARG_SRC, src);
        args.put(dnnl.DNNL_ARG_DST, p.dst.bind(out));
        args.put(dnnl.DNNL_ARG_SCALE, OneDnn.bind(p.scale, gamma));
        args.put(dnnl.DNNL_ARG_SHIFT, OneDnn.bind(p.shift, beta));
        args.put(dnnl.DNNL_ARG_MEAN, OneDnn.bind(p.mean, mean));
        args.put(dnnl.DNNL_ARG_VARIANCE, OneDnn.bind(p.variance, var));
        if (fused) {
            args.put(dnnl.DNNL_ARG_WORKSPACE, p.reluMask());
            p.trainingWithReLU().execute(stream, args);
            p.dst.offerUnwritten(stream, out, copies(), 1);
        } else {
            (training ? p.training() : p.inference()).execute(stream, args);
            output(p.dst, out, true);
        }
        stream._wait();
        keep(x, src, src == p.src.inner(), training);
        fusedFor = fused ? x : null;
    }

    /** Whether the last training pass, over {@code x}, ran with the ReLU after it fused in. */
    boolean fusedReLU(INDArray x) {
        return x == fusedFor;
    }

    /**
     * dx, dGamma and dBeta from dy, the gradient at the output, given the training pass's input, mean and
     * variance. Where that pass fused the ReLU in ({@link #fusedReLU}), dy is the gradient at the ReLU's output.
     */
    void backward(INDArray x, INDArray dy, INDArray gamma, INDArray beta, INDArray mean, INDArray var, double eps,
                  INDArray dx, INDArray dGamma, INDArray dBeta) {
        boolean fused = fusedReLU(x);
        fusedFor = null;
        Plan p = plan(x, eps);
        memory src = keptOrRead(x, p.src);
        IntMemoryMap args = new IntMemoryMap();
        args.put(dnnl.DNNL_ARG_SRC, src);
        args.put(dnnl.DNNL_ARG_DIFF_DST, p.diffDst.in(dy, stream, copies()));
        args.put(dnnl.DNNL_ARG_SCALE, OneDnn.bind(p.scale, gamma));
        args.put(dnnl.DNNL_ARG_SHIFT, OneDnn.bind(p.shift, beta)); // required with use_shift (status 2 without)
        args.put(dnnl.DNNL_ARG_MEAN, OneDnn.bind(p.mean, mean));
        args.put(dnnl.DNNL_ARG_VARIANCE, OneDnn.bind(p.variance, var));
        args.put(dnnl.DNNL_ARG_DIFF_SRC, p.diffSrc.bind(dx));
        args.put(dnnl.DNNL_ARG_DIFF_SCALE, OneDnn.bind(p.diffScale, dGamma));
        args.put(dnnl.DNNL_ARG_DIFF_SHIFT, OneDnn.bind(p.diffShift, dBeta));
        if (fused) {
            args.put(dnnl.DNNL_ARG_WORKSPACE, p.reluMask());
            p.backwardWithReLU().execute(stream, args);
        } else {
            p.backward().execute(stream, args);
        }
        inputGradient(p.diffSrc, dx);
        stream._wait();
    }

    private Plan plan(INDArray x, double eps) {
        long[] dims = x.shape();
        String key = java.util.Arrays.toString(dims) + " eps " + (float) eps;
        return plans.computeIfAbsent(key, k -> new Plan(dims, (float) eps));
    }

    /** One shape's primitives and the memories they read and write (pointed at DL4J's arrays per call). */
    private static final class Plan {
        final memory.desc data;
        final float eps;
        final batch_normalization_forward.primitive_desc trainingDesc;
        final OneDnn.Operand src;
        final OneDnn.Operand dst;
        final memory scale;
        final memory shift;
        final memory mean;
        final memory variance;
        final OneDnn.Operand diffDst;
        final OneDnn.Operand diffSrc;
        final memory diffScale;
        final memory diffShift;
        // Built on first use: a plan for an inference chunk never compiles the training primitives.
        private primitive training;
        private primitive inference;
        private primitive backward;
        private batch_normalization_forward.primitive_desc trainingWithReLUDesc;
        private primitive trainingWithReLU;
        private primitive backwardWithReLU;
        private memory reluMask;

        Plan(long[] dims, float eps) {
            this.eps = eps;
            memory.desc plain = OneDnn.floats(dims, memory.format_tag.nchw);
            data = OneDnn.floats(dims, OneDnn.blocked());
            memory.desc channels = OneDnn.floats(new long[] {dims[1]}, memory.format_tag.x);
            trainingDesc = new batch_normalization_forward.primitive_desc(new batch_normalization_forward.desc(
                    dnnl.prop_kind.forward_training.value, data, eps, SCALE_AND_SHIFT), OneDnn.ENGINE);
            src = new OneDnn.Operand(plain, data);
            dst = new OneDnn.Operand(plain, data);
            diffDst = new OneDnn.Operand(plain, data);
            diffSrc = new OneDnn.Operand(plain, data);
            scale = OneDnn.unbound(channels);
            shift = OneDnn.unbound(channels);
            mean = OneDnn.unbound(channels);
            variance = OneDnn.unbound(channels);
            diffScale = OneDnn.unbound(channels);
            diffShift = OneDnn.unbound(channels);
        }

        primitive training() {
            if (training == null) {
                training = new batch_normalization_forward(trainingDesc);
            }
            return training;
        }

        primitive inference() {
            if (inference == null) {
                inference = new batch_normalization_forward(new batch_normalization_forward.primitive_desc(
                        new batch_normalization_forward.desc(dnnl.prop_kind.forward_inference.value, data, eps,
                                SCALE_AND_SHIFT | dnnl.normalization_flags.use_global_stats.value), OneDnn.ENGINE));
            }
            return inference;
        }

        primitive backward() {
            if (backward == null) {
                backward = backward(trainingDesc, SCALE_AND_SHIFT);
            }
            return backward;
        }

        private batch_normalization_forward.primitive_desc trainingWithReLUDesc() {
            if (trainingWithReLUDesc == null) {
                trainingWithReLUDesc = new batch_normalization_forward.primitive_desc(
                        new batch_normalization_forward.desc(dnnl.prop_kind.forward_training.value, data, eps,
                                SCALE_AND_SHIFT | FUSED_RELU), OneDnn.ENGINE);
            }
            return trainingWithReLUDesc;
        }

        primitive trainingWithReLU() {
            if (trainingWithReLU == null) {
                trainingWithReLU = new batch_normalization_forward(trainingWithReLUDesc());
            }
            return trainingWithReLU;
        }

        primitive backwardWithReLU() {
            if (backwardWithReLU == null) {
                backwardWithReLU = backward(trainingWithReLUDesc(), SCALE_AND_SHIFT | FUSED_RELU);
            }
            return backwardWithReLU;
        }

        /** Where the fused ReLU passed its input (one bit per value): written forward, read backward. */
        memory reluMask() {
            if (reluMask == null) {
                reluMask = new memory(trainingWithReLUDesc().workspace_desc(), OneDnn.ENGINE);
            }
            return reluMask;
        }

        private primitive backward(batch_normalization_forward.primitive_desc forward, int flags) {
            return new batch_normalization_backward(new batch_normalization_backward.primitive_desc(
                    new batch_normalization_backward.desc(dnnl.prop_kind.backward.value, data, data, eps, flags),
                    OneDnn.ENGINE, forward));
        }
    }
}
