package io.sparkcnn.kernels;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Max pooling for DL4J's SubsamplingLayer on the CPU, as two plain loops over the arrays' memory (NCHW,
 * float, no dilation). The gradient of each window goes to its first largest input in row-major order, as in
 * libnd4j. Why: libnd4j's native maxpool2d_bp spends its time in generic per-element offset arithmetic, a large
 * share of a training step once the convolution is fast; DL4J's own path calls the same op.
 * Declines (null: DL4J's path) for other pooling types, layouts and dilations. Where oneDNN is available the
 * windows run in {@link OneDnnPooling} instead (the same choices).
 */
final class MaxPooling implements SubsamplingHelper, BlockedCopies.Participant {
    /** oneDNN's primitives, when available; null: the loops below. */
    private final OneDnnPooling oneDnn = OneDnn.available() ? new OneDnnPooling() : null;

    @Override
    public OneDnnKernel oneDnnKernel() {
        return oneDnn;
    }

    /** Null (DL4J's code pools), with {@code x} written if the layer before left it in oneDNN's layout only. */
    private INDArray nchwFor(INDArray x) {
        nchw(x);
        return null;
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Map.of();
    }

    private static boolean handles(INDArray input, PoolingType type, int[] dilation, CNN2DFormat format) {
        return type == PoolingType.MAX && format == CNN2DFormat.NCHW && input.dataType() == DataType.FLOAT
                && input.rank() == 4 && dilation[0] == 1 && dilation[1] == 1;
    }

    /** Sizes of one pooling call: planes (minibatch x channels), input and output plane sizes, window. */
    private record Geometry(int planes, int inH, int inW, int outH, int outW, int kH, int kW, int sH, int sW,
                            int pH, int pW) {
        /** 2x2 windows with stride 2 and no padding: each input in at most one window. */
        boolean tiles2x2() {
            return kH == 2 && kW == 2 && sH == 2 && sW == 2 && pH == 0 && pW == 0 && outH == inH / 2
                    && outW == inW / 2;
        }

        /** Padding narrower than the window: every window holds at least one input. */
        boolean everyWindowInBounds() {
            return pH < kH && pW < kW;
        }
    }

    @Override
    public INDArray activate(INDArray input, boolean training, int[] kernel, int[] strides, int[] pad,
                             PoolingType poolingType, ConvolutionMode convolutionMode, int[] dilation,
                             CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!handles(input, poolingType, dilation, format)) {
            return nchwFor(input); // DL4J's code reads it
        }
        WindowGeometry window = WindowGeometry.of(input, kernel, strides, pad, convolutionMode, dilation);
        Geometry g = geometry(input, window.outH(), window.outW(), kernel, strides, window.pad());
        if (!g.everyWindowInBounds()) {
            return nchwFor(input);
        }
        INDArray output = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                new long[] {input.size(0), input.size(1), g.outH, g.outW}, 'c');
        if (oneDnn != null) {
            oneDnn.forward(DenseFloats.denseOrCopy(input), output, kernel, strides, window.pad(), training);
            return output;
        }
        FloatBuffer in = DenseFloats.of(DenseFloats.denseOrCopy(input));
        FloatBuffer o = DenseFloats.of(output);
        if (g.tiles2x2()) {
            forward2x2(in, o, g);
            return output;
        }
        int inPlane = g.inH * g.inW;
        int outPlane = g.outH * g.outW;
        for (int p = 0; p < g.planes; p++) {
            for (int oh = 0; oh < g.outH; oh++) {
                for (int ow = 0; ow < g.outW; ow++) {
                    o.put(p * outPlane + oh * g.outW + ow, in.get(argmax(in, p * inPlane, g, oh, ow)));
                }
            }
        }
        return output;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, int[] kernel, int[] strides,
                                                     int[] pad, PoolingType poolingType,
                                                     ConvolutionMode convolutionMode, int[] dilation,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!handles(input, poolingType, dilation, format)) {
            nchw(epsilon);
            nchw(input); // DL4J's code reads them
            return null;
        }
        // DL4J passes the padding it used forward (Same mode's included).
        Geometry g = geometry(input, (int) epsilon.size(2), (int) epsilon.size(3), kernel, strides, pad);
        if (!g.everyWindowInBounds()) {
            nchw(epsilon);
            nchw(input);
            return null;
        }
        if (oneDnn != null) {
            INDArray gradient = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT,
                    input.shape(), 'c');
            oneDnn.backward(DenseFloats.denseOrCopy(input), DenseFloats.denseOrCopy(epsilon), gradient, kernel,
                    strides, pad);
            return new Pair<>(new DefaultGradient(), gradient);
        }
        boolean tiled = g.tiles2x2();
        // The tiled loop writes every input it covers; an odd last row or column is left to the zeroing.
        boolean zeroed = !tiled || g.inH % 2 != 0 || g.inW % 2 != 0;
        INDArray gradient = zeroed
                ? workspaceMgr.create(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c')
                : workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
        FloatBuffer in = DenseFloats.of(DenseFloats.denseOrCopy(input));
        FloatBuffer eps = DenseFloats.of(DenseFloats.denseOrCopy(epsilon));
        FloatBuffer grad = DenseFloats.of(gradient);
        if (tiled) {
            backward2x2(in, eps, grad, g);
            return new Pair<>(new DefaultGradient(), gradient);
        }
        int inPlane = g.inH * g.inW;
        int outPlane = g.outH * g.outW;
        for (int p = 0; p < g.planes; p++) {
            for (int oh = 0; oh < g.outH; oh++) {
                for (int ow = 0; ow < g.outW; ow++) {
                    int at = argmax(in, p * inPlane, g, oh, ow);
                    grad.put(at, grad.get(at) + eps.get(p * outPlane + oh * g.outW + ow));
                }
            }
        }
        return new Pair<>(new DefaultGradient(), gradient);
    }

    private static Geometry geometry(INDArray input, int outH, int outW, int[] kernel, int[] strides, int[] pad) {
        return new Geometry((int) (input.size(0) * input.size(1)), (int) input.size(2), (int) input.size(3), outH,
                outW, kernel[0], kernel[1], strides[0], strides[1], pad[0], pad[1]);
    }

    /**
     * The common case (every architecture here pools 2x2 with stride 2), without branches on the data: half of
     * a ReLU's outputs are 0, so comparisons are coin flips a branch predictor loses.
     */
    private static void forward2x2(FloatBuffer in, FloatBuffer out, Geometry g) {
        for (int p = 0; p < g.planes; p++) {
            for (int oh = 0; oh < g.outH; oh++) {
                int top = (p * g.inH + 2 * oh) * g.inW;
                int bottom = top + g.inW;
                int o = (p * g.outH + oh) * g.outW;
                for (int ow = 0; ow < g.outW; ow++) {
                    int c = 2 * ow;
                    out.put(o + ow, Math.max(Math.max(in.get(top + c), in.get(top + c + 1)),
                            Math.max(in.get(bottom + c), in.get(bottom + c + 1))));
                }
            }
        }
    }

    /**
     * Each window's gradient to its first largest input (top row before bottom, left before right) and 0 to
     * the other three, chosen with integer masks: C2 compiles them without branches, float selects it does not.
     */
    private static void backward2x2(FloatBuffer in, FloatBuffer eps, FloatBuffer grad, Geometry g) {
        for (int p = 0; p < g.planes; p++) {
            for (int oh = 0; oh < g.outH; oh++) {
                int top = (p * g.inH + 2 * oh) * g.inW;
                int bottom = top + g.inW;
                int o = (p * g.outH + oh) * g.outW;
                for (int ow = 0; ow < g.outW; ow++) {
                    int c = 2 * ow;
                    float a = in.get(top + c);
                    float b = in.get(top + c + 1);
                    float d = in.get(bottom + c);
                    float e = in.get(bottom + c + 1);
                    int bits = Float.floatToRawIntBits(eps.get(o + ow));
                    int topRow = Math.max(a, b) >= Math.max(d, e) ? -1 : 0;
                    int topLeft = a >= b ? -1 : 0;
                    int bottomLeft = d >= e ? -1 : 0;
                    grad.put(top + c, Float.intBitsToFloat(bits & topRow & topLeft));
                    grad.put(top + c + 1, Float.intBitsToFloat(bits & topRow & ~topLeft));
                    grad.put(bottom + c, Float.intBitsToFloat(bits & ~topRow & bottomLeft));
                    grad.put(bottom + c + 1, Float.intBitsToFloat(bits & ~topRow & ~bottomLeft));
                }
            }
        }
    }

    /** Index (into the whole input) of the first largest in-bounds value of window (oh, ow) of one plane. */
    private static int argmax(FloatBuffer in, int plane, Geometry g, int oh, int ow) {
        int best = -1;
        float max = Float.NEGATIVE_INFINITY;
        int h0 = oh * g.sH - g.pH;
        int w0 = ow * g.sW - g.pW;
        for (int i = Math.max(0, h0); i < Math.min(g.inH, h0 + g.kH); i++) {
            int row = plane + i * g.inW;
            for (int j = Math.max(0, w0); j < Math.min(g.inW, w0 + g.kW); j++) {
                float v = in.get(row + j);
                if (best < 0 || v > max) {
                    max = v;
                    best = row + j;
                }
            }
        }
        return best;
    }
}
