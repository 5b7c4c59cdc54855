package io.sparkcnn.kernels;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.global.dnnl;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The three products of a float NCHW convolution (output, weight gradient, input gradient) by oneDNN's JIT
 * primitives (oneDNN 2.5 through JavaCPP's dnnl presets), in the layouts oneDNN picks for this CPU (blocked by
 * 16 channels with AVX-512, by 8 with AVX2): DL4J's NCHW arrays are reordered into them at each call and the
 * results back. The bias and a ReLU are applied inside the forward primitive; pooling and the ReLU's gradient
 * stay with the caller ({@link Im2colConvolution}).
 *
 * <p>Why: the blocked JIT kernels run a 3x3 convolution with 32-128 channels at several times the rate of
 * im2col plus one OpenBLAS product per image, and PyTorch's CPU convolutions are these same kernels
 * (docs/performance.md, "Per-core speed", has both side by side). Results differ from the im2col path only by
 * the order of the sums (CpuKernelsTest holds both to DL4J's own path).
 *
 * <p>One instance per layer (its primitives and reordered arrays are reused call after call, per geometry);
 * not thread-safe, like the layer. Used when {@link OneDnn#available}; a geometry oneDNN refuses is logged once
 * and left to im2col.
 */
final class OneDnnConvolution extends OneDnnKernel {
    private static final Logger LOG = LoggerFactory.getLogger(OneDnnConvolution.class);
    private static final Set<String> REFUSED = new HashSet<>();

    /** Depthwise: one group per input channel, weights in DL4J's depthwise layout (see {@link Shapes#of}). */
    private final boolean depthwise;
    private final Map<String, Plan> plans = OneDnn.plans();

    OneDnnConvolution() {
        this(false);
    }

    OneDnnConvolution(boolean depthwise) {
        this.depthwise = depthwise;
    }

    /**
     * out (dense [N, outC, outH, outW]) = the convolution of input with weights, plus {@code bias} (null: none),
     * then a ReLU when {@code relu}. False, with nothing written, when oneDNN does not take the geometry.
     * {@code training} keeps the reordered input for {@link #backward}; inference runs in the chunks of
     * {@link OneDnn#inferenceChunks}. {@code finalOutput}: out is the layer's output as it leaves the layer (no
     * pooling or activation after), which may then be offered to the next kernel in oneDNN's layout.
     */
    boolean forward(INDArray input, INDArray weights, INDArray bias, boolean relu, INDArray out,
                    ConvolutionGeometry g, boolean training, boolean finalOutput) {
        if (training) {
            Plan plan = plan(g, bias != null, relu ? Rectifier.PLAIN : null);
            return plan != null && forward(plan, input, weights, bias, out, true, finalOutput);
        }
        int[] chunks = OneDnn.inferenceChunks(g.minibatch());
        if (chunks.length == 1 && !relu && finalOutput && fold != null && sharing().outputFoldable()
                && !out.isView() && forwardFolded(input, weights, bias, out, g)) {
            return true;
        }
        Plan[] plans = new Plan[chunks.length];
        for (int i = 0; i < chunks.length; i++) {
            plans[i] = plan(g.withMinibatch(chunks[i]), bias != null, relu ? Rectifier.PLAIN : null);
            if (plans[i] == null) {
                return false;
            }
        }
        if (chunks.length > 1) {
            nchw(input); // read as views, which the copies do not know
        }
        int from = 0;
        for (int i = 0; i < chunks.length; i++) {
            INDArray images = chunks.length == 1 ? input : OneDnn.images(input, from, chunks[i]);
            INDArray into = chunks.length == 1 ? out : OneDnn.images(out, from, chunks[i]);
            forward(plans[i], images, weights, bias, into, false, finalOutput);
            from += chunks[i];
        }
        return true;
    }

    private boolean forward(Plan plan, INDArray input, INDArray weights, INDArray bias, INDArray out,
                            boolean training, boolean finalOutput) {
        memory src = plan.src.in(input, stream, copies());
        IntMemoryMap args = new IntMemoryMap();
        args.put(dnnl.DNNL_ARG_SRC, src);
        args.put(dnnl.DNNL_ARG_WEIGHTS, plan.weights.in(weights, stream));
        if (bias != null) {
            args.put(dnnl.DNNL_ARG_BIAS, plan.bias.in(bias, stream));
        }
        args.put(dnnl.DNNL_ARG_DST, plan.dst.bind(out));
        plan.forward().execute(stream, args);
        output(plan.dst, out, finalOutput);
        stream._wait();
        keep(input, src, src == plan.src.inner(), training); // the input for the weight gradient
        return true;
    }

    /**
     * The batch norm after this convolution, and the ReLU after that if any, computed within its forward
     * primitive in inference where their outputs are unread (passes that keep only the network's result): the
     * weights scaled and the bias shifted per channel by the batch norm's running statistics, the ReLU as the
     * primitive's post-op. One pass over the output instead of three, and no array of theirs written.
     */
    record BatchNormFold(org.deeplearning4j.nn.layers.normalization.BatchNormalization norm, Rectifier relu) {
        /** The layers after the convolution whose work it does. */
        int layers() {
            return relu == null ? 1 : 2;
        }
    }

    /** A ReLU the forward primitive applies: {@code cap} null for a plain one, else min(max(x, 0), cap). */
    record Rectifier(Double cap) {
        static final Rectifier PLAIN = new Rectifier(null);
    }

    private BatchNormFold fold;
    private INDArray foldedWeights;
    private INDArray foldedBias;
    /**
     * What the folded weights were computed from (the weights, the bias, the batch norm's parameters), and how
     * many times they were: inference repeats with the same parameters, which are then neither folded nor
     * reordered again, and any change (a training step between two evaluations) is seen by comparing.
     */
    private INDArray foldedFrom;
    private int folds;

    /** Folds {@code fold} into this convolution's inference where it can (null: none). */
    void fold(BatchNormFold fold) {
        this.fold = fold;
    }

    /** The convolution with the batch norm (and ReLU) of {@link #fold} in; false where oneDNN does not take it. */
    private boolean forwardFolded(INDArray input, INDArray weights, INDArray bias, INDArray out,
                                  ConvolutionGeometry g) {
        Plan plan = plan(g, true, fold.relu());
        if (plan == null || !plan.dst.reordered()) {
            return false; // the copy must be a memory of the kernel's own
        }
        refold(weights, bias, g.outChannels());
        memory src = plan.src.in(input, stream, copies());
        IntMemoryMap args = new IntMemoryMap();
        args.put(dnnl.DNNL_ARG_SRC, src);
        if (plan.weightsFold != folds || !plan.weights.reordered()) {
            plan.weights.in(foldedWeights, stream);
            plan.weightsFold = folds;
        }
        args.put(dnnl.DNNL_ARG_WEIGHTS, plan.weights.inner());
        args.put(dnnl.DNNL_ARG_BIAS, plan.bias.in(foldedBias, stream));
        args.put(dnnl.DNNL_ARG_DST, plan.dst.bind(out));
        plan.forward().execute(stream, args);
        plan.dst.offerUnwritten(stream, out, copies(), fold.layers());
        stream._wait();
        keep(input, src, src == plan.src.inner(), false);
        return true;
    }

    /** Folds the batch norm into the weights and bias again unless they and its parameters are as last time. */
    private void refold(INDArray weights, INDArray bias, int outChannels) {
        org.deeplearning4j.nn.layers.normalization.BatchNormalization norm = fold.norm();
        INDArray[] parts = {weights, bias, norm.params()}; // bias null: none
        long length = 0;
        for (INDArray part : parts) {
            length += part == null ? 0 : part.length();
        }
        if (foldedFrom != null && foldedFrom.length() == length) {
            java.nio.FloatBuffer from = DenseFloats.of(foldedFrom);
            int at = 0;
            boolean same = true;
            for (INDArray part : parts) {
                if (part != null && same) {
                    int n = (int) part.length();
                    same = from.slice(at, n).mismatch(floats(part)) == -1;
                    at += n;
                }
            }
            if (same) {
                return;
            }
        }
        foldBatchNorm(weights, bias, outChannels);
        try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = org.nd4j.linalg.factory.Nd4j.getMemoryManager()
                .scopeOutOfWorkspaces()) {
            if (foldedFrom == null || foldedFrom.length() != length) {
                foldedFrom = org.nd4j.linalg.factory.Nd4j.createUninitialized(
                        org.nd4j.linalg.api.buffer.DataType.FLOAT, length);
            }
        }
        java.nio.FloatBuffer to = DenseFloats.of(foldedFrom);
        int at = 0;
        for (INDArray part : parts) {
            if (part != null) {
                to.put(at, floats(part), 0, (int) part.length());
                at += (int) part.length();
            }
        }
        folds++;
    }

    /**
     * foldedWeights, foldedBias = the weights and bias that give the batch norm of the convolution: per output
     * channel o, with s = gamma / sqrt(var + eps), w * s and (b - mean) * s + beta (DL4J's running mean and
     * variance, as its batch norm uses them in inference: the variance kept as var, or as log10 of the standard
     * deviation, DL4J's default, whose variance is (10^log10std)^2).
     */
    private void foldBatchNorm(INDArray weights, INDArray bias, int outChannels) {
        org.deeplearning4j.nn.layers.normalization.BatchNormalization norm = fold.norm();
        org.deeplearning4j.nn.conf.layers.BatchNormalization conf =
                (org.deeplearning4j.nn.conf.layers.BatchNormalization) norm.conf().getLayer();
        double eps = conf.getEps();
        java.nio.FloatBuffer gamma = floats(norm.getParam(BatchNormalizationParamInitializer.GAMMA));
        java.nio.FloatBuffer beta = floats(norm.getParam(BatchNormalizationParamInitializer.BETA));
        java.nio.FloatBuffer mean = floats(norm.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN));
        boolean logStd = conf.isUseLogStd();
        java.nio.FloatBuffer var = floats(norm.getParam(logStd ? BatchNormalizationParamInitializer.GLOBAL_LOG_STD
                : BatchNormalizationParamInitializer.GLOBAL_VAR));
        java.nio.FloatBuffer b = bias == null ? null : floats(bias);
        if (foldedWeights == null || foldedWeights.length() != weights.length()
                || foldedBias.length() != outChannels) {
            try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = org.nd4j.linalg.factory.Nd4j.getMemoryManager()
                    .scopeOutOfWorkspaces()) {
                foldedWeights = org.nd4j.linalg.factory.Nd4j.createUninitialized(
                        org.nd4j.linalg.api.buffer.DataType.FLOAT, weights.shape(), 'c');
                foldedBias = org.nd4j.linalg.factory.Nd4j.createUninitialized(
                        org.nd4j.linalg.api.buffer.DataType.FLOAT, outChannels);
            }
        }
        float[] scale = new float[outChannels];
        java.nio.FloatBuffer fb = DenseFloats.of(foldedBias);
        for (int o = 0; o < outChannels; o++) {
            double variance = logStd ? Math.pow(Math.pow(10, var.get(o)), 2) : var.get(o);
            double s = gamma.get(o) / Math.sqrt(variance + eps);
            scale[o] = (float) s;
            fb.put(o, (float) (((b == null ? 0 : b.get(o)) - mean.get(o)) * s + beta.get(o)));
        }
        java.nio.FloatBuffer w = floats(weights);
        java.nio.FloatBuffer fw = DenseFloats.of(foldedWeights);
        int n = (int) weights.length();
        // DL4J's layouts: [outC, inC, kH, kW] (each channel's weights together), depthwise [kH, kW, inC,
        // multiplier] (output channel inC * multiplier + m: the index modulo outC).
        if (depthwise) {
            for (int i = 0; i < n; i++) {
                fw.put(i, w.get(i) * scale[i % outChannels]);
            }
        } else {
            int perChannel = n / outChannels;
            for (int o = 0, i = 0; o < outChannels; o++) {
                for (int end = i + perChannel; i < end; i++) {
                    fw.put(i, w.get(i) * scale[o]);
                }
            }
        }
    }

    private static java.nio.FloatBuffer floats(INDArray a) {
        return DenseFloats.of(DenseFloats.denseOrCopy(a));
    }

    /** True when {@link #backward} will run this geometry (oneDNN takes it). */
    boolean handles(ConvolutionGeometry g) {
        return plan(g, false, null) != null;
    }

    /**
     * weightGradient (dense [outC, inC, kH, kW]) = the gradient of the weights, given delta, the gradient at
     * the convolution's output (dense, NCHW); biasGradient, when not null (dense [outC]), = the bias's, in the
     * same pass over delta; inputGradient, when not null, = the gradient at its input.
     */
    void backward(INDArray input, INDArray weights, INDArray delta, INDArray weightGradient, INDArray biasGradient,
                  INDArray inputGradient, ConvolutionGeometry g) {
        Backward b = plan(g, false, null).backward();
        memory diffDstForWeights = b.diffDstForWeights.in(delta, stream, copies());
        memory src = keptOrRead(input, b.src);
        IntMemoryMap args = new IntMemoryMap();
        args.put(dnnl.DNNL_ARG_SRC, src);
        args.put(dnnl.DNNL_ARG_DIFF_DST, diffDstForWeights);
        args.put(dnnl.DNNL_ARG_DIFF_WEIGHTS, b.diffWeights.bind(weightGradient));
        if (biasGradient != null) {
            args.put(dnnl.DNNL_ARG_DIFF_BIAS, OneDnn.bind(b.diffBias, biasGradient));
        }
        (biasGradient != null ? b.weightsAndBias() : b.weights).execute(stream, args);
        b.diffWeights.out(stream);
        if (inputGradient != null) {
            memory diffDst = b.diffDstForData == b.diffDstForWeights ? diffDstForWeights
                    : b.diffDstForData.in(delta, stream, copies());
            IntMemoryMap dataArgs = new IntMemoryMap();
            dataArgs.put(dnnl.DNNL_ARG_DIFF_DST, diffDst);
            dataArgs.put(dnnl.DNNL_ARG_WEIGHTS, b.weightsForData.in(weights, stream));
            dataArgs.put(dnnl.DNNL_ARG_DIFF_SRC, b.diffSrc.bind(inputGradient));
            b.data.execute(stream, dataArgs);
            inputGradient(b.diffSrc, inputGradient);
        }
        stream._wait();
    }

    private Plan plan(ConvolutionGeometry g, boolean bias, Rectifier relu) {
        String key = key(g) + (bias ? ", bias" : "")
                + (relu == null ? "" : relu.cap() == null ? ", relu" : ", relu capped at " + relu.cap())
                + (depthwise ? ", depthwise" : "");
        Plan plan = plans.get(key);
        if (plan != null) {
            return plan;
        }
        synchronized (REFUSED) {
            if (REFUSED.contains(key)) {
                return null;
            }
        }
        try {
            plan = new Plan(g, bias, relu);
        } catch (RuntimeException e) { // oneDNN's dnnl::error: no implementation for this geometry
            synchronized (REFUSED) {
                if (REFUSED.add(key)) {
                    LOG.info("oneDNN has no convolution for {} ({}): it runs as im2col and OpenBLAS products", key,
                            e.getMessage());
                }
            }
            return null;
        }
        plans.put(key, plan);
        return plan;
    }

    private static String key(ConvolutionGeometry g) {
        return "input " + g.minibatch() + "x" + g.inChannels() + "x" + g.inH() + "x" + g.inW() + ", "
                + g.outChannels() + " filters " + g.kH() + "x" + g.kW() + ", stride " + g.strides()[0] + "x"
                + g.strides()[1] + ", padding " + g.pad()[0] + "x" + g.pad()[1] + ", dilation " + g.dilation()[0]
                + "x" + g.dilation()[1];
    }

    /** The descriptors of DL4J's side: NCHW activations, OIHW weights. */
    private record Shapes(memory.desc src, memory.desc weights, memory.desc dst, long[] strides, long[] dilates,
                          long[] padLeft, long[] padRight) {
        /**
         * With {@code depthwise}, a depthwise convolution (one group per input channel) with DL4J's depthwise
         * weight layout {@code [kH, kW, inChannels, multiplier]}: oneDNN's grouped weights {@code [groups,
         * multiplier, 1, kH, kW]} over the same memory, by strides (or, for {@code any}, in its own layout).
         */
        static Shapes of(ConvolutionGeometry g, memory.format_tag activations, memory.format_tag weights,
                         boolean depthwise) {
            long[] padRight = new long[2];
            int[] in = {g.inH(), g.inW()};
            int[] out = {g.outH(), g.outW()};
            int[] k = {g.kH(), g.kW()};
            for (int d = 0; d < 2; d++) {
                // What makes oneDNN's output size equal DL4J's: the bottom/right padding the last window reaches
                // (negative, down to 1 - stride, where DL4J's Truncate mode drops a last partial window).
                long reach = (long) (out[d] - 1) * g.strides()[d] + (long) (k[d] - 1) * g.dilation()[d] + 1;
                padRight[d] = reach - in[d] - g.pad()[d];
            }
            memory.desc weightsDesc;
            if (depthwise) {
                long groups = g.inChannels();
                long multiplier = g.outChannels() / groups;
                long[] dims = {groups, multiplier, 1, g.kH(), g.kW()};
                weightsDesc = weights == memory.format_tag.any ? desc(dims, memory.format_tag.any)
                        : new memory.desc(dims, memory.data_type.f32, new long[] {multiplier, 1, 1,
                                (long) g.kW() * groups * multiplier, groups * multiplier});
            } else {
                weightsDesc = desc(new long[] {g.outChannels(), g.inChannels(), g.kH(), g.kW()}, weights);
            }
            return new Shapes(desc(new long[] {g.minibatch(), g.inChannels(), g.inH(), g.inW()}, activations),
                    weightsDesc,
                    desc(new long[] {g.minibatch(), g.outChannels(), g.outH(), g.outW()}, activations),
                    new long[] {g.strides()[0], g.strides()[1]},
                    new long[] {g.dilation()[0] - 1, g.dilation()[1] - 1},
                    new long[] {g.pad()[0], g.pad()[1]}, padRight);
        }

        private static memory.desc desc(long[] dims, memory.format_tag tag) {
            return OneDnn.floats(dims, tag);
        }
    }

    /**
     * One geometry's forward primitive (with its bias and ReLU, if any), with DL4J's arrays on one side of each
     * reorder and oneDNN's on the other; and, built on first use, the backward ones.
     */
    private final class Plan {
        final Shapes user;
        final Shapes any;
        final convolution_forward.primitive_desc forwardDesc;
        /**
         * Built on first use: the plain plan that {@link #backward} takes for a ReLU or bias convolution serves as
         * the backward primitives' hint only, and never compiles a forward primitive.
         */
        private primitive forward;
        final OneDnn.Operand src;
        final OneDnn.Operand weights;
        final OneDnn.Operand bias;
        final OneDnn.Operand dst;
        /** Which fold of the batch norm the weights operand's own memory holds (0: none). */
        int weightsFold;
        private Backward backward;
        final int outChannels;

        Plan(ConvolutionGeometry g, boolean withBias, Rectifier relu) {
            outChannels = g.outChannels();
            user = Shapes.of(g, memory.format_tag.nchw, memory.format_tag.oihw, depthwise);
            any = Shapes.of(g, memory.format_tag.any, memory.format_tag.any, depthwise);
            primitive_attr attributes = new primitive_attr();
            if (relu != null) {
                post_ops ops = new post_ops();
                ops.append_eltwise(1f, relu.cap() == null ? dnnl.algorithm.eltwise_relu
                        : dnnl.algorithm.eltwise_clip_v2, 0f, relu.cap() == null ? 0f : relu.cap().floatValue());
                attributes.set_post_ops(ops);
            }
            memory.desc biasDesc = OneDnn.floats(new long[] {g.outChannels()}, memory.format_tag.x);
            convolution_forward.desc desc = withBias
                    ? new convolution_forward.desc(dnnl.prop_kind.forward_training,
                            dnnl.algorithm.convolution_direct, any.src, any.weights, biasDesc, any.dst, any.strides,
                            any.dilates, any.padLeft, any.padRight)
                    : new convolution_forward.desc(dnnl.prop_kind.forward_training,
                            dnnl.algorithm.convolution_direct, any.src, any.weights, any.dst, any.strides,
                            any.dilates, any.padLeft, any.padRight);
            forwardDesc = new convolution_forward.primitive_desc(desc, attributes, OneDnn.ENGINE);
            src = new OneDnn.Operand(user.src, forwardDesc.src_desc());
            weights = new OneDnn.Operand(user.weights, forwardDesc.weights_desc());
            bias = withBias ? new OneDnn.Operand(biasDesc, forwardDesc.bias_desc()) : null;
            dst = new OneDnn.Operand(user.dst, forwardDesc.dst_desc());
        }

        primitive forward() {
            if (forward == null) {
                forward = new convolution_forward(forwardDesc);
            }
            return forward;
        }

        Backward backward() {
            if (backward == null) {
                backward = new Backward(this);
            }
            return backward;
        }
    }

    private final class Backward {
        private final Plan plan;
        final primitive weights;
        /** As {@link #weights}, with the bias's gradient; built on first use. */
        private primitive weightsAndBias;
        final memory diffBias;
        final primitive data;
        final OneDnn.Operand src;
        final OneDnn.Operand diffDstForWeights;
        final OneDnn.Operand diffWeights;
        final OneDnn.Operand diffDstForData;
        final OneDnn.Operand weightsForData;
        final OneDnn.Operand diffSrc;

        Backward(Plan plan) {
            this.plan = plan;
            Shapes any = plan.any;
            Shapes user = plan.user;
            diffBias = OneDnn.unbound(OneDnn.floats(new long[] {plan.outChannels}, memory.format_tag.x));
            convolution_backward_weights.primitive_desc w = weightGradient(false);
            convolution_backward_data.primitive_desc d = new convolution_backward_data.primitive_desc(
                    new convolution_backward_data.desc(dnnl.algorithm.convolution_direct, any.src, any.weights,
                            any.dst, any.strides, any.dilates, any.padLeft, any.padRight), OneDnn.ENGINE,
                    plan.forwardDesc);
            weights = new convolution_backward_weights(w);
            data = new convolution_backward_data(d);
            src = new OneDnn.Operand(user.src, w.src_desc());
            diffDstForWeights = new OneDnn.Operand(user.dst, w.diff_dst_desc());
            diffWeights = new OneDnn.Operand(user.weights, w.diff_weights_desc());
            diffDstForData = d.diff_dst_desc().equals(w.diff_dst_desc()) ? diffDstForWeights
                    : new OneDnn.Operand(user.dst, d.diff_dst_desc());
            weightsForData = new OneDnn.Operand(user.weights, d.weights_desc());
            diffSrc = new OneDnn.Operand(user.src, d.diff_src_desc());
        }

        /** The weight gradient's primitive description, with the bias's gradient when {@code bias}. */
        private convolution_backward_weights.primitive_desc weightGradient(boolean bias) {
            Shapes any = plan.any;
            convolution_backward_weights.desc desc = bias
                    ? new convolution_backward_weights.desc(dnnl.algorithm.convolution_direct, any.src, any.weights,
                            diffBias.get_desc(), any.dst, any.strides, any.dilates, any.padLeft, any.padRight)
                    : new convolution_backward_weights.desc(dnnl.algorithm.convolution_direct, any.src, any.weights,
                            any.dst, any.strides, any.dilates, any.padLeft, any.padRight);
            return new convolution_backward_weights.primitive_desc(desc, OneDnn.ENGINE, plan.forwardDesc);
        }

        primitive weightsAndBias() {
            if (weightsAndBias == null) {
                convolution_backward_weights.primitive_desc w = weightGradient(true);
                if (!w.src_desc().equals(src.wanted) || !w.diff_dst_desc().equals(diffDstForWeights.wanted)
                        || !w.diff_weights_desc().equals(diffWeights.wanted)) {
                    throw new IllegalStateException("oneDNN picked other layouts for the weight gradient with a "
                            + "bias");
                }
                weightsAndBias = new convolution_backward_weights(w);
            }
            return weightsAndBias;
        }
    }
}
