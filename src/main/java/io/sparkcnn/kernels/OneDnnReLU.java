package io.sparkcnn.kernels;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A ReLU, capped ({@code min(max(x, 0), cap)}, MobileNet's ReLU6) or not, of dense float NCHW activations by
 * oneDNN's element-wise primitives in the channel-blocked layout of {@link OneDnn#blocked}, for {@link ReLULayer}.
 * The gradient passes where {@code 0 < x < cap} (oneDNN's clip_v2; plain ReLU: {@code x > 0}), as libnd4j's
 * relu_bp and relu6_bp do. Why: between two oneDNN layers the activations arrive in the blocked layout already
 * ({@link BlockedCopies}), where DL4J's ActivationLayer copies them, applies the ReLU in place and takes the
 * gradient through ND4J's ops: four passes over NCHW arrays where this is one, each way.
 *
 * <p>One instance per layer, not thread-safe, like the layer; used when {@link OneDnn#available}.
 */
final class OneDnnReLU extends OneDnnKernel {
    private final Map<String, Plan> plans = OneDnn.plans();
    /** Null: plain ReLU. */
    private final Double cap;
    /** The input of the last training pass if the batch norm before applied the ReLU, else null. */
    private INDArray passedThrough;

    OneDnnReLU(Double cap) {
        this.cap = cap;
    }

    /**
     * out = the ReLU of x (same shape); inference in the chunks of {@link OneDnn#inferenceChunks}. Nothing to do
     * where the layers before applied it: a convolution that folded its batch norm and this ReLU in (inference),
     * a batch norm that fused it in (training, {@link OneDnnBatchNorm#reluAfter}).
     */
    void forward(INDArray x, INDArray out, boolean training) {
        passedThrough = null;
        if (passedOn(x, out)) {
            passedThrough = training ? x : null;
            return;
        }
        int[] chunks = training ? new int[] {(int) x.size(0)} : OneDnn.inferenceChunks((int) x.size(0));
        if (chunks.length > 1) {
            nchw(x); // read as views, which the copies do not know
            int from = 0;
            for (int chunk : chunks) {
                forward(OneDnn.images(x, from, chunk), OneDnn.images(out, from, chunk), false);
                from += chunk;
            }
            return;
        }
        Plan p = plan(x);
        memory src = p.src.in(x, stream, copies());
        IntMemoryMap args = new IntMemoryMap();
        args.put(dnnl.DNNL_ARG_SRC, src);
        args.put(dnnl.DNNL_ARG_DST, p.dst.bind(out));
        p.forward().execute(stream, args);
        output(p.dst, out, true);
        stream._wait();
        keep(x, src, src == p.src.inner(), training);
    }

    /** Whether the last training pass, over {@code x}, found the ReLU applied by the batch norm before. */
    boolean passedThrough(INDArray x) {
        return x == passedThrough;
    }

    /**
     * dx = dy where the ReLU of x passes its input on, else 0; where the batch norm before applied it
     * ({@link #passedThrough}), dx = dy, which that batch norm masks.
     */
    void backward(INDArray x, INDArray dy, INDArray dx) {
        if (passedThrough(x)) {
            passedThrough = null;
            handBack(dy, dx);
            return;
        }
        Plan p = plan(x);
        memory src = keptOrRead(x, p.src);
        IntMemoryMap args = new IntMemoryMap();
        args.put(dnnl.DNNL_ARG_SRC, src);
        args.put(dnnl.DNNL_ARG_DIFF_DST, p.diffDst.in(dy, stream, copies()));
        args.put(dnnl.DNNL_ARG_DIFF_SRC, p.diffSrc.bind(dx));
        p.backward().execute(stream, args);
        inputGradient(p.diffSrc, dx);
        stream._wait();
    }

    /** dx = dy: handed on as it is where dy was left unwritten and dx may be, else copied. */
    private void handBack(INDArray dy, INDArray dx) {
        BlockedCopies copies = copies();
        if (copies != null && copies.leftUnwritten(dy) && sharing().inputGradientUnwritten()) {
            copies.handOn(dy, dx);
        } else {
            nchw(dy);
            dx.assign(dy);
        }
    }

    private Plan plan(INDArray x) {
        long[] dims = x.shape();
        return plans.computeIfAbsent(java.util.Arrays.toString(dims), k -> new Plan(dims));
    }

    private final class Plan {
        final memory.desc data;
        final eltwise_forward.primitive_desc forwardDesc;
        final OneDnn.Operand src;
        final OneDnn.Operand dst;
        final OneDnn.Operand diffDst;
        final OneDnn.Operand diffSrc;
        private primitive forward;
        private primitive backward;

        Plan(long[] dims) {
            memory.desc plain = OneDnn.floats(dims, memory.format_tag.nchw);
            data = OneDnn.floats(dims, OneDnn.blocked());
            forwardDesc = new eltwise_forward.primitive_desc(new eltwise_forward.desc(
                    dnnl.prop_kind.forward_training, algorithm(), data, 0f, beta()), OneDnn.ENGINE);
            src = new OneDnn.Operand(plain, data);
            dst = new OneDnn.Operand(plain, data);
            diffDst = new OneDnn.Operand(plain, data);
            diffSrc = new OneDnn.Operand(plain, data);
        }

        primitive forward() {
            if (forward == null) {
                forward = new eltwise_forward(forwardDesc);
            }
            return forward;
        }

        primitive backward() {
            if (backward == null) {
                backward = new eltwise_backward(new eltwise_backward.primitive_desc(new eltwise_backward.desc(
                        algorithm(), data, data, 0f, beta()), OneDnn.ENGINE, forwardDesc));
            }
            return backward;
        }
    }

    /** This ReLU, as a convolution's post-op. */
    OneDnnConvolution.Rectifier rectifier() {
        return new OneDnnConvolution.Rectifier(cap);
    }

    /** relu(x) = max(x, 0 * x); clip_v2(x) = min(max(x, 0), cap), whose gradient passes strictly inside. */
    private dnnl.algorithm algorithm() {
        return cap == null ? dnnl.algorithm.eltwise_relu : dnnl.algorithm.eltwise_clip_v2;
    }

    private float beta() {
        return cap == null ? 0f : cap.floatValue();
    }
}
