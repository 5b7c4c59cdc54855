package io.sparkcnn.kernels;

import io.sparkcnn.config.Settings;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * A 2-D convolution for DL4J's convolution layer on the CPU that keeps every array it writes contiguous in
 * the layer's own NCHW order: im2col into {@code [minibatch, channels * kH * kW, outH * outW]},
 * then one matrix product per image straight from OpenBLAS ({@code W x col[n]}, {@code delta[n] x col[n]^T},
 * {@code W^T x delta[n]}), and col2im (in Java, image by image) for the input gradient.
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
 * {@link FusedConvolutionLayer} calls {@link #forward} and {@link #backward} directly, with the bias, the
 * activation and the pooling that DL4J would run as separate passes.
 */
final class Im2colConvolution implements ConvolutionHelper, BlockedCopies.Participant {
    private final boolean inputGradient;
    /** oneDNN's primitives for the three products, when available; null: im2col and OpenBLAS. */
    private final OneDnnConvolution oneDnn = OneDnn.available() ? new OneDnnConvolution() : null;
    /**
     * A ReLU convolution with fewer input channels than this whose output is max-pooled within the layer (the
     * seed CNN's, on grey or RGB images) stays with im2col: it does little arithmetic per output, and im2col's
     * image-by-image products leave each image's output in cache for the bias, ReLU and pooling, where oneDNN's
     * whole-minibatch output goes to memory and back (the seed CNN trains 1.2x faster this way). Without pooling
     * in the layer, oneDNN runs such a convolution faster (the deep CNN's, the ResNet and MobileNetV2 stems:
     * docs/performance.md, variant no-onednn-thin), unless sparkcnn.onednnThinConvolutions is off.
     */
    static final int MIN_INPUT_CHANNELS = 4;
    private INDArray imageBuffer;
    /** The columns of the last training forward pass, and the input they are of (null: none kept). */
    private INDArray keptColumns;
    private INDArray columnsOf;
    private INDArray ones;
    private INDArray sums;

    public Im2colConvolution(boolean inputGradient) {
        this.inputGradient = inputGradient;
    }

    @Override
    public OneDnnKernel oneDnnKernel() {
        return oneDnn;
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Map.of();
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
        return forward(input, weights, bias, false, null, false, kernel, strides, pad, convolutionMode, dilation,
                workspaceMgr);
    }

    /** Whether oneDNN is offered this layer's products (it may still decline the geometry). */
    private boolean byOneDnn(ConvolutionGeometry g, FusedMaxPooling pooling) {
        return oneDnn != null && (g.inChannels() >= MIN_INPUT_CHANNELS
                || pooling == null && Settings.ONEDNN_THIN_CONVOLUTIONS.value());
    }

    /**
     * The convolution with its bias, and with a ReLU when {@code relu}: image by image, each image's output
     * finished while it is still in cache; with {@code pooling} (ReLU only), also its 2x2 max pooling. Null
     * when the arrays are not float NCHW.
     */
    INDArray forward(INDArray input, INDArray weights, INDArray bias, boolean relu, FusedMaxPooling pooling,
                     boolean training, int[] kernel, int[] strides, int[] pad, ConvolutionMode convolutionMode,
                     int[] dilation, LayerWorkspaceMgr workspaceMgr) {
        if (!handles(input, weights, CNN2DFormat.NCHW) || (bias != null && !DenseFloats.dense(bias))) {
            nchw(input); // DL4J's code reads it
            return null;
        }
        ConvolutionGeometry g = ConvolutionGeometry.of(input, weights, kernel, strides, pad, convolutionMode, dilation);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                new long[] {g.minibatch(), g.outChannels(), g.outH(), g.outW()}, 'c');
        // oneDNN adds the bias and, unless pooling follows (which wants the ReLU in its own pass), the ReLU.
        boolean byOneDnn = byOneDnn(g, pooling) && oneDnn.forward(DenseFloats.denseOrCopy(input), weights, bias,
                relu && pooling == null, out, g, training, pooling == null);
        INDArray columns = null;
        if (!byOneDnn) {
            nchw(input);
            if (training) {
                // Kept for the backward pass, which would otherwise build the same columns again.
                columns = keptColumns(g);
                columnsOf = input;
            } else {
                columns = workspaceMgr.createUninitialized(ArrayType.FF_WORKING_MEM, DataType.FLOAT, g.columns(),
                        'c');
            }
            im2col(input, g, columns);
        }
        int k = g.patch();
        int p = g.pixels();
        int oC = g.outChannels();
        FloatBuffer o = DenseFloats.of(out);
        FloatBuffer b = bias == null ? null : DenseFloats.of(bias);
        if (pooling != null) {
            pooling.start(out, training, oneDnn != null && oneDnn.sharing().outputUnwritten(), workspaceMgr);
        }
        if (byOneDnn) {
            if (pooling != null) {
                for (int plane = 0; plane < g.minibatch() * oC; plane++) {
                    pooling.plane(plane * p, g.outH(), g.outW(), 0f, plane); // the bias is in already
                }
                pooling.finish(out);
            }
            return out;
        }
        for (int n = 0; n < g.minibatch(); n++) {
            // out[n] (oC x P) = W (oC x K) . col[n] (K x P)
            gemm(false, false, oC, p, k, weights, 0, k, columns, (long) n * k * p, p, 0f, out, (long) n * oC * p,
                    p);
            for (int c = 0; c < oC; c++) {
                float shift = b == null ? 0f : b.get(c);
                int row = (n * oC + c) * p;
                if (pooling != null) {
                    pooling.plane(row, g.outH(), g.outW(), shift, n * oC + c);
                } else if (relu) {
                    for (int i = row; i < row + p; i++) {
                        o.put(i, Math.max(o.get(i) + shift, 0f));
                    }
                } else if (b != null) {
                    for (int i = row; i < row + p; i++) {
                        o.put(i, o.get(i) + shift);
                    }
                }
            }
        }
        if (pooling != null) {
            pooling.finish(out);
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
        if (!handles(input, weights, format)) {
            nchw(input); // DL4J's code reads them
            nchw(delta);
            return null;
        }
        return backward(input, weights, delta, null, null, biasGradView, weightGradView, kernel, strides, pad,
                convolutionMode, dilation, workspaceMgr);
    }

    /**
     * Gradients of the convolution, image by image. {@code epsilon} is the gradient at the layer's output; with
     * {@code reluOutput} (the layer's ReLU activations) it is first kept only where the output is above 0 (the
     * ReLU's gradient), into a buffer of one image; with {@code pooling}, it is the gradient that pooling's
     * backward pass gave (pooled shape, ReLU's gradient applied), spread into that buffer image by image;
     * with neither, it is the gradient at the pre-activation. Null when the arrays are not float NCHW with
     * dense gradient views.
     */
    Pair<Gradient, INDArray> backward(INDArray input, INDArray weights, INDArray epsilon, INDArray reluOutput,
                                      FusedMaxPooling pooling, INDArray biasGradView, INDArray weightGradView,
                                      int[] kernel, int[] strides, int[] pad, ConvolutionMode convolutionMode,
                                      int[] dilation, LayerWorkspaceMgr workspaceMgr) {
        if (!handles(input, weights, CNN2DFormat.NCHW) || !DenseFloats.dense(weightGradView)
                || (biasGradView != null && !DenseFloats.dense(biasGradView))) {
            nchw(input); // DL4J's code reads them
            nchw(epsilon);
            return null;
        }
        if (reluOutput != null) {
            nchw(reluOutput); // the layer's own output, which its readers' kernels may have left unwritten
        }
        ConvolutionGeometry g = ConvolutionGeometry.of(input, weights, kernel, strides, pad, convolutionMode, dilation);
        boolean byOneDnn = byOneDnn(g, pooling) && oneDnn.handles(g);
        if (!byOneDnn || pooling != null || reluOutput != null) {
            nchw(epsilon); // read as an array below (the ReLU's or pooling's gradient, im2col's products)
        }
        INDArray delta = DenseFloats.denseOrCopy(epsilon);
        if (byOneDnn) {
            return backwardByOneDnn(DenseFloats.denseOrCopy(input), weights, delta, reluOutput, pooling,
                    biasGradView, weightGradView, g, workspaceMgr);
        }
        INDArray columns;
        if (input == columnsOf && Arrays.equals(keptColumns.shape(), g.columns())) {
            columns = keptColumns;
        } else {
            columns = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT, g.columns(), 'c');
            im2col(nchw(input), g, columns);
        }
        columnsOf = null; // the input gradient below overwrites them
        int k = g.patch();
        int p = g.pixels();
        int oC = g.outChannels();
        FloatBuffer eps = DenseFloats.of(delta);
        FloatBuffer mask = reluOutput == null ? null : DenseFloats.of(DenseFloats.denseOrCopy(reluOutput));
        boolean perImage = mask != null || pooling != null;
        INDArray image = perImage ? imageBuffer((long) oC * p) : null;
        FloatBuffer imageGradient = image == null ? null : DenseFloats.of(image);
        float[] biasGradient = new float[oC];
        if (!perImage && biasGradView != null) {
            rowSums(delta, g.minibatch() * oC, p, biasGradient);
        }
        // Zeroed: col2im adds every column entry into the pixel it was read from.
        INDArray inputGradientArray = inputGradient ? workspaceMgr.create(ArrayType.ACTIVATION_GRAD, DataType.FLOAT,
                new long[] {g.minibatch(), g.inChannels(), g.inH(), g.inW()}, 'c') : null;
        FloatBuffer inputValues = inputGradient ? DenseFloats.of(inputGradientArray) : null;
        FloatBuffer columnValues = inputGradient ? DenseFloats.of(columns) : null;
        for (int n = 0; n < g.minibatch(); n++) {
            int start = n * oC * p;
            if (pooling != null) {
                Pointer.memset(DenseFloats.pointer(image, 0), 0, 4L * oC * p);
                pooling.spreadImage(delta, n, imageGradient, 0, biasGradient);
            } else if (mask != null) {
                for (int c = 0; c < oC; c++) {
                    biasGradient[c] += maskedSum(eps, mask, start + c * p, imageGradient, c * p, p);
                }
            }
            INDArray d = perImage ? image : delta;
            long dOffset = perImage ? 0 : start;
            // dW (oC x K) += delta[n] (oC x P) . col[n]^T (P x K)
            gemm(false, true, oC, k, p, d, dOffset, p, columns, (long) n * k * p, p, n == 0 ? 0f : 1f,
                    weightGradView, 0, k);
            if (inputGradient) {
                // The image's columns are read: reuse them for its input gradient in column form, and fold
                // that into the image's input gradient while it is in cache.
                // dCol[n] (K x P) = W^T (K x oC) . delta[n] (oC x P)
                gemm(true, false, k, p, oC, weights, 0, k, d, dOffset, p, 0f, columns, (long) n * k * p, p);
                col2im(columnValues, n * k * p, g, inputValues, n * g.inChannels() * g.inH() * g.inW());
            }
        }
        return gradients(biasGradient, biasGradView, weightGradView, inputGradientArray);
    }

    /**
     * {@link #backward} by oneDNN: the gradient at the convolution's output for the whole minibatch first (the
     * ReLU's gradient or pooling's spread applied, into a buffer kept between calls), then the weight gradient
     * and the input gradient in one primitive each.
     */
    private Pair<Gradient, INDArray> backwardByOneDnn(INDArray input, INDArray weights, INDArray delta,
                                                      INDArray reluOutput, FusedMaxPooling pooling,
                                                      INDArray biasGradView, INDArray weightGradView,
                                                      ConvolutionGeometry g, LayerWorkspaceMgr workspaceMgr) {
        int p = g.pixels();
        int oC = g.outChannels();
        float[] biasGradient = new float[oC];
        INDArray outputGradient = delta;
        if (pooling != null || reluOutput != null) {
            long length = (long) g.minibatch() * oC * p;
            outputGradient = imageBuffer(length);
            FloatBuffer to = DenseFloats.of(outputGradient);
            if (pooling != null) {
                Pointer.memset(DenseFloats.pointer(outputGradient, 0), 0, 4L * length);
                for (int n = 0; n < g.minibatch(); n++) {
                    pooling.spreadImage(delta, n, to, n * oC * p, biasGradient);
                }
            } else {
                FloatBuffer eps = DenseFloats.of(delta);
                FloatBuffer mask = DenseFloats.of(DenseFloats.denseOrCopy(reluOutput));
                for (int plane = 0; plane < g.minibatch() * oC; plane++) {
                    biasGradient[plane % oC] += maskedSum(eps, mask, plane * p, to, plane * p, p);
                }
            }
        }
        // The bias gradient of the plain gradient at the output (no ReLU or pooling applied here) in oneDNN's
        // pass: delta may then stay in oneDNN's layout only.
        boolean biasByOneDnn = biasGradView != null && outputGradient == delta;
        INDArray inputGradientArray = inputGradient ? workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD,
                DataType.FLOAT, new long[] {g.minibatch(), g.inChannels(), g.inH(), g.inW()}, 'c') : null;
        oneDnn.backward(input, weights, outputGradient, weightGradView, biasByOneDnn ? biasGradView : null,
                inputGradientArray, g);
        return gradients(biasByOneDnn ? null : biasGradient, biasGradView, weightGradView, inputGradientArray);
    }

    private Pair<Gradient, INDArray> gradients(float[] biasGradient, INDArray biasGradView,
                                               INDArray weightGradView, INDArray inputGradientArray) {
        Gradient gradient = new DefaultGradient();
        if (biasGradView != null) {
            if (biasGradient != null) { // else written already
                FloatBuffer bg = DenseFloats.of(biasGradView);
                for (int c = 0; c < biasGradient.length; c++) {
                    bg.put(c, biasGradient[c]);
                }
            }
            gradient.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
        }
        gradient.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView);
        return new Pair<>(gradient, inputGradient ? inputGradientArray : null);
    }

    /**
     * into[c] = the sum of rows c, c + into.length, c + 2 into.length ... of a dense (rows x length) array: the
     * bias gradient, from OpenBLAS's matrix-vector product with ones (a float sum in Java is not vectorised).
     */
    private void rowSums(INDArray a, int rows, int length, float[] into) {
        if (ones == null || ones.length() < length) {
            ones = Nd4j.createUninitializedDetached(DataType.FLOAT, length).assign(1f);
        }
        if (sums == null || sums.length() < rows) {
            sums = Nd4j.createUninitializedDetached(DataType.FLOAT, rows);
        }
        openblas_nolapack.cblas_sgemv(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasNoTrans, rows,
                length, 1f, DenseFloats.pointer(a, 0), length, DenseFloats.pointer(ones, 0), 1, 0f,
                DenseFloats.pointer(sums, 0), 1);
        FloatBuffer s = DenseFloats.of(sums);
        for (int r = 0; r < rows; r++) {
            into[r % into.length] += s.get(r);
        }
    }

    /** to[at..] = from[i] where relu[i] > 0, else 0 (an integer mask, no branch); returns their sum. */
    private static float maskedSum(FloatBuffer from, FloatBuffer relu, int start, FloatBuffer to, int at,
                                   int length) {
        float s0 = 0f;
        float s1 = 0f;
        int i = 0;
        for (; i + 1 < length; i += 2) {
            float v0 = keepAbove0(from.get(start + i), relu.get(start + i));
            float v1 = keepAbove0(from.get(start + i + 1), relu.get(start + i + 1));
            to.put(at + i, v0);
            to.put(at + i + 1, v1);
            s0 += v0;
            s1 += v1;
        }
        for (; i < length; i++) {
            float v = keepAbove0(from.get(start + i), relu.get(start + i));
            to.put(at + i, v);
            s0 += v;
        }
        return s0 + s1;
    }

    private static float keepAbove0(float value, float relu) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(value) & (relu > 0f ? -1 : 0));
    }

    /** The columns of a training forward pass, outside DL4J's workspaces (its working memory is per pass). */
    private INDArray keptColumns(ConvolutionGeometry g) {
        long[] shape = g.columns();
        if (keptColumns == null || !Arrays.equals(keptColumns.shape(), shape)) {
            keptColumns = Nd4j.createUninitializedDetached(DataType.FLOAT, shape);
        }
        return keptColumns;
    }

    /** A buffer for the output gradient of one image (oneDNN: of the minibatch), kept between calls (outside DL4J's workspaces). */
    private INDArray imageBuffer(long length) {
        if (imageBuffer == null || imageBuffer.length() < length) {
            imageBuffer = Nd4j.createUninitializedDetached(DataType.FLOAT, length);
        }
        return imageBuffer;
    }

    @Override
    public INDArray activate(INDArray z, IActivation afn, boolean training) {
        return afn.getActivation(z, training);
    }

    /**
     * The image patches: columns[n][c][i][j][oh][ow] = input[n][c][oh * sH - pH + i * dH][ow * sW - pW + j * dW],
     * 0 outside the image. A Java loop over the arrays' memory, stride-1 rows as bulk copies: libnd4j's im2col
     * walks every element through its generic strided indexing.
     */
    private static void im2col(INDArray input, ConvolutionGeometry g, INDArray columns) {
        FloatBuffer in = DenseFloats.of(DenseFloats.denseOrCopy(input));
        FloatBuffer col = DenseFloats.of(columns);
        int sH = g.strides()[0];
        int sW = g.strides()[1];
        int at = 0;
        for (int plane = 0; plane < g.minibatch() * g.inChannels(); plane++) {
            int planeStart = plane * g.inH() * g.inW();
            for (int i = 0; i < g.kH(); i++) {
                for (int j = 0; j < g.kW(); j++) {
                    int rowOffset = i * g.dilation()[0] - g.pad()[0];
                    int colOffset = j * g.dilation()[1] - g.pad()[1];
                    for (int oh = 0; oh < g.outH(); oh++) {
                        int h = oh * sH + rowOffset;
                        if (h < 0 || h >= g.inH()) {
                            for (int ow = 0; ow < g.outW(); ow++) {
                                col.put(at++, 0f);
                            }
                            continue;
                        }
                        int row = planeStart + h * g.inW();
                        if (sW == 1) {
                            // One bulk copy of the columns inside the image, zeros either side (padding).
                            int lo = g.insideFrom(colOffset);
                            int hi = g.insideTo(colOffset);
                            for (int ow = 0; ow < lo; ow++) {
                                col.put(at + ow, 0f);
                            }
                            if (hi > lo) {
                                col.put(at + lo, in, row + lo + colOffset, hi - lo);
                            }
                            for (int ow = hi; ow < g.outW(); ow++) {
                                col.put(at + ow, 0f);
                            }
                            at += g.outW();
                            continue;
                        }
                        for (int ow = 0; ow < g.outW(); ow++) {
                            int w = ow * sW + colOffset;
                            col.put(at++, w >= 0 && w < g.inW() ? in.get(row + w) : 0f);
                        }
                    }
                }
            }
        }
    }

    /**
     * One image's input gradient from its gradient in column form (from index {@code colStart} of {@code col}),
     * added into the zeroed image at {@code imageStart} of {@code in}: the adjoint of {@link #im2col}, each
     * column entry added to the pixel it was read from; entries read from the padding are dropped. Why: libnd4j's
     * col2im runs over the whole minibatch after the product; this runs per image while its columns are in
     * cache, with stride-1 rows as plain runs.
     */
    private static void col2im(FloatBuffer col, int colStart, ConvolutionGeometry g, FloatBuffer in, int imageStart) {
        int sH = g.strides()[0];
        int sW = g.strides()[1];
        int at = colStart;
        for (int c = 0; c < g.inChannels(); c++) {
            int planeStart = imageStart + c * g.inH() * g.inW();
            for (int i = 0; i < g.kH(); i++) {
                for (int j = 0; j < g.kW(); j++) {
                    int rowOffset = i * g.dilation()[0] - g.pad()[0];
                    int colOffset = j * g.dilation()[1] - g.pad()[1];
                    for (int oh = 0; oh < g.outH(); oh++, at += g.outW()) {
                        int h = oh * sH + rowOffset;
                        if (h < 0 || h >= g.inH()) {
                            continue;
                        }
                        int row = planeStart + h * g.inW();
                        if (sW == 1) {
                            int lo = g.insideFrom(colOffset);
                            int hi = g.insideTo(colOffset);
                            int to = row + colOffset;
                            for (int ow = lo; ow < hi; ow++) {
                                in.put(to + ow, in.get(to + ow) + col.get(at + ow));
                            }
                            continue;
                        }
                        for (int ow = 0; ow < g.outW(); ow++) {
                            int w = ow * sW + colOffset;
                            if (w >= 0 && w < g.inW()) {
                                in.put(row + w, in.get(row + w) + col.get(at + ow));
                            }
                        }
                    }
                }
            }
        }
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
