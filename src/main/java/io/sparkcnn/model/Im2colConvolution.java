package io.sparkcnn.model;

import org.bytedeco.openblas.global.openblas_nolapack;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BiasAdd;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;

import java.util.Map;

/**
 * A 2-D convolution for DL4J's convolution layer on the CPU that keeps every array it writes contiguous in
 * the layer's own NCHW order: im2col into {@code [minibatch, channels * kH * kW, outH * outW]},
 * then one matrix product per image straight from OpenBLAS ({@code W x col[n]}, {@code delta[n] x col[n]^T},
 * {@code W^T x delta[n]}), and col2im for the input gradient.
 *
 * <p>Why: DL4J 1.0.0-M2.1's own CPU path multiplies in a layout whose result is a permuted view of
 * {@code [channels][minibatch][h][w]}; every later element-wise op on it (the ReLU, its gradient, the copies
 * for max pooling) then runs libnd4j's generic strided loop, which computes each element's offset with
 * divisions. For the seed CNN that loop alone took a third of the training time (a ReLU over 692k floats:
 * 11.6 ms strided against 0.34 ms contiguous), and libnd4j's native conv2d_bp (what the oneDNN helper runs)
 * spends most of its time in permuting copies inside tensorDot. Same maths, summed in another order: results
 * agree with DL4J's path to float rounding (CpuKernelsTest).
 *
 * <p>Installed by {@link CpuKernels} into each convolution layer (DL4J's helper slot, the one cuDNN and
 * oneDNN use); declines (returns null, DL4J falls back to its own path) for anything but float NCHW.
 * {@code inputGradient = false} is for the network's first layer, whose input gradient nobody reads.
 */
public final class Im2colConvolution implements ConvolutionHelper {
    private final boolean inputGradient;

    public Im2colConvolution(boolean inputGradient) {
        this.inputGradient = inputGradient;
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Map.of();
    }

    /** The shape of one convolution call: sizes, and the padding DL4J's own path would use. */
    private record Geometry(int minibatch, int inChannels, int inH, int inW, int outChannels, int kH, int kW,
                            int outH, int outW, int[] strides, int[] pad, int[] dilation) {
        static Geometry of(INDArray input, INDArray weights, int[] kernel, int[] strides, int[] pad,
                           ConvolutionMode mode, int[] dilation) {
            WindowGeometry window = WindowGeometry.of(input, kernel, strides, pad, mode, dilation);
            return new Geometry((int) input.size(0), (int) input.size(1), (int) input.size(2), (int) input.size(3),
                    (int) weights.size(0), (int) weights.size(2), (int) weights.size(3), window.outH(),
                    window.outW(), strides, window.pad(), dilation);
        }

        int patch() {
            return inChannels * kH * kW;
        }

        int pixels() {
            return outH * outW;
        }

        long[] columns() {
            return new long[] {minibatch, inChannels, kH, kW, outH, outW};
        }
    }

    private static boolean handles(INDArray input, INDArray weights, CNN2DFormat format) {
        return format == CNN2DFormat.NCHW && input.dataType() == DataType.FLOAT && DenseFloats.dense(weights);
    }

    @Override
    public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides,
                              int[] pad, ConvolutionLayer.AlgoMode mode, ConvolutionLayer.FwdAlgo fwdAlgo,
                              ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        if (!handles(input, weights, format)) {
            return null;
        }
        Geometry g = Geometry.of(input, weights, kernel, strides, pad, convolutionMode, dilation);
        INDArray columns = im2col(input, g, workspaceMgr, ArrayType.FF_WORKING_MEM);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                new long[] {g.minibatch, g.outChannels, g.outH, g.outW}, 'c');
        int k = g.patch();
        int p = g.pixels();
        for (int n = 0; n < g.minibatch; n++) {
            // out[n] (oC x P) = W (oC x K) . col[n] (K x P)
            gemm(false, false, g.outChannels, p, k, weights, 0, k, columns, (long) n * k * p, p, 0f, out,
                    (long) n * g.outChannels * p, p);
        }
        if (bias != null) {
            Nd4j.exec(new BiasAdd(out, bias.reshape(g.outChannels), out, true));
        }
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias,
                                                     INDArray delta, int[] kernel, int[] strides, int[] pad,
                                                     INDArray biasGradView, INDArray weightGradView,
                                                     IActivation afn, ConvolutionLayer.AlgoMode mode,
                                                     ConvolutionLayer.BwdFilterAlgo bwdFilterAlgo,
                                                     ConvolutionLayer.BwdDataAlgo bwdDataAlgo,
                                                     ConvolutionMode convolutionMode, int[] dilation,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!handles(input, weights, format) || !DenseFloats.dense(weightGradView)) {
            return null;
        }
        delta = DenseFloats.denseOrCopy(delta);
        Geometry g = Geometry.of(input, weights, kernel, strides, pad, convolutionMode, dilation);
        INDArray columns = im2col(input, g, workspaceMgr, ArrayType.BP_WORKING_MEM);
        int k = g.patch();
        int p = g.pixels();
        int oC = g.outChannels;
        for (int n = 0; n < g.minibatch; n++) {
            // dW (oC x K) += delta[n] (oC x P) . col[n]^T (P x K)
            gemm(false, true, oC, k, p, delta, (long) n * oC * p, p, columns, (long) n * k * p, p,
                    n == 0 ? 0f : 1f, weightGradView, 0, k);
        }
        Gradient gradient = new DefaultGradient();
        if (biasGradView != null) {
            delta.sum(biasGradView.reshape(oC), 0, 2, 3);
            gradient.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
        }
        gradient.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView);
        if (!inputGradient) {
            return new Pair<>(gradient, null);
        }
        // The column buffer is free again: reuse it for the input gradient in column form.
        for (int n = 0; n < g.minibatch; n++) {
            // dCol[n] (K x P) = W^T (K x oC) . delta[n] (oC x P)
            gemm(true, false, k, p, oC, weights, 0, k, delta, (long) n * oC * p, p, 0f, columns,
                    (long) n * k * p, p);
        }
        INDArray inputGradient = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT,
                new long[] {g.minibatch, g.inChannels, g.inH, g.inW}, 'c');
        Convolution.col2im(columns, inputGradient, g.strides[0], g.strides[1], g.pad[0], g.pad[1], g.inH, g.inW,
                g.dilation[0], g.dilation[1]);
        return new Pair<>(gradient, inputGradient);
    }

    @Override
    public INDArray activate(INDArray z, IActivation afn, boolean training) {
        return afn.getActivation(z, training);
    }

    /**
     * The image patches: columns[n][c][i][j][oh][ow] = input[n][c][oh * sH - pH + i * dH][ow * sW - pW + j * dW],
     * 0 outside the image. A Java loop over the arrays' memory: libnd4j's im2col took 15% of a training step.
     */
    private static INDArray im2col(INDArray input, Geometry g, LayerWorkspaceMgr workspaceMgr, ArrayType type) {
        INDArray columns = workspaceMgr.createUninitialized(type, DataType.FLOAT, g.columns(), 'c');
        FloatBuffer in = DenseFloats.of(DenseFloats.denseOrCopy(input));
        FloatBuffer col = DenseFloats.of(columns);
        int sH = g.strides[0];
        int sW = g.strides[1];
        int at = 0;
        for (int plane = 0; plane < g.minibatch * g.inChannels; plane++) {
            int planeStart = plane * g.inH * g.inW;
            for (int i = 0; i < g.kH; i++) {
                for (int j = 0; j < g.kW; j++) {
                    int rowOffset = i * g.dilation[0] - g.pad[0];
                    int colOffset = j * g.dilation[1] - g.pad[1];
                    for (int oh = 0; oh < g.outH; oh++) {
                        int h = oh * sH + rowOffset;
                        if (h < 0 || h >= g.inH) {
                            for (int ow = 0; ow < g.outW; ow++) {
                                col.put(at++, 0f);
                            }
                            continue;
                        }
                        int row = planeStart + h * g.inW;
                        for (int ow = 0; ow < g.outW; ow++) {
                            int w = ow * sW + colOffset;
                            col.put(at++, w >= 0 && w < g.inW ? in.get(row + w) : 0f);
                        }
                    }
                }
            }
        }
        return columns;
    }

    /**
     * C (m x n, row-major, leading dimension ldc) = op(A) . op(B) + beta C, each matrix starting at an
     * element offset inside a dense float array: OpenBLAS directly, as ND4J's own gemm does, without building
     * an ND4J view per image.
     */
    private static void gemm(boolean transA, boolean transB, int m, int n, int k, INDArray a, long aOffset,
                             int lda, INDArray b, long bOffset, int ldb, float beta, INDArray c, long cOffset,
                             int ldc) {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                m, n, k, 1f, DenseFloats.pointer(a, aOffset), lda, DenseFloats.pointer(b, bOffset), ldb, beta,
                DenseFloats.pointer(c, cOffset), ldc);
    }
}
