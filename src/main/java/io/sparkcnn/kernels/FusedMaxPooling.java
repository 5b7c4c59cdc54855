package io.sparkcnn.kernels;

import io.sparkcnn.config.Settings;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * The 2x2, stride 2 max pooling of a ReLU convolution's output, done by the convolution ({@link
 * FusedConvolutionLayer}) image by image while the output is still in cache, and handed to the pooling layer
 * that follows it ({@link HelpedSubsamplingLayer}). The pooling layer's backward pass applies the ReLU's
 * gradient to the pooled-shape gradient (a window's chosen input is its largest, so it is above 0 exactly
 * when the window's output is; every other input gets no gradient from that window) and hands it back in
 * that shape; the convolution recognises the array and spreads it image by image to the inputs the forward
 * pass chose (kept as a 2-bit index per window), straight into its weight and bias gradients.
 *
 * <p>Why: on this machine each pass over the seed CNN's 2.7 MB convolution output costs about as much as the
 * arithmetic, and the separate layers made seven of them (bias, DL4J's cache copy, ReLU, pooling forward,
 * pooling backward reading the inputs again, ReLU gradient, bias-gradient sum). Results are DL4J's: the first
 * largest input of a window in row-major order takes its gradient, as in libnd4j (CpuKernelsTest checks ties).
 *
 * <p>Everything is matched by identity: the pooling layer uses the pooled output only when its input is the
 * very array the convolution returned, and the convolution reads the pooled-shape gradient only when it is
 * the very array the pooling layer returned; anything else takes the layers' ordinary paths.
 */
final class FusedMaxPooling {
    /**
     * Whether planes run in SIMD lanes ({@link VectorPlanes}): the JVM has the incubating Vector API module
     * (conf/java17.flags adds it) and {@code -Dsparkcnn.vectorPlanes=false} is not set.
     */
    static final boolean VECTOR;

    static {
        VECTOR = VectorApi.PRESENT && Settings.VECTOR_PLANES.value();
        if (!VectorApi.PRESENT) {
            // Worth a line in the log: the scalar planes are markedly slower (docs/performance.md).
            LoggerFactory.getLogger(FusedMaxPooling.class).info("max pooling planes run in scalar code: this JVM "
                    + "was started without --add-modules=jdk.incubator.vector (see conf/java17.flags)");
        }
    }

    private final boolean vector;
    /** The convolution output this pooling belongs to, its pooled output and each window's chosen input. */
    private INDArray convolutionOutput;
    private INDArray pooled;
    private int[] chosen;
    private boolean chosenValid;
    /**
     * Whether this pass's planes are pooled before their bias and ReLU: in inference where nothing but this
     * pooling reads the convolution output ({@link #start}). A window's largest input gives its largest output
     * (bias and ReLU never reorder two values), so the pooled values are the same bits, from a quarter of the
     * bias and ReLU work and without writing the output back.
     */
    private boolean poolFirst;
    private long pooledFirst;
    /** The memory of the forward pass's convolution output and pooled output, as floats and as bytes. */
    private FloatBuffer outFloats;
    private FloatBuffer pooledFloats;
    private ByteBuffer outBytes;
    private ByteBuffer pooledBytes;
    /** The gradient this pooling gave the convolution, ReLU gradient included. */
    private INDArray gradient;

    FusedMaxPooling() {
        this(VECTOR);
    }

    /** {@code vector}: planes in SIMD lanes (only where the Vector API module is present) or in scalar code. */
    FusedMaxPooling(boolean vector) {
        this.vector = vector;
    }

    /**
     * Starts a forward pass over {@code output}, the convolution's [minibatch, channels, outH, outW] output,
     * before its planes are filled: makes the pooled output array.
     */
    void start(INDArray output, boolean training, LayerWorkspaceMgr workspaceMgr) {
        start(output, training, false, workspaceMgr);
    }

    /**
     * As {@link #start(INDArray, boolean, LayerWorkspaceMgr)}; {@code outputUnread}: only this pooling reads the
     * convolution output (a pass that keeps only the network's result), which in inference then keeps the values
     * the convolution wrote, without bias and ReLU.
     */
    void start(INDArray output, boolean training, boolean outputUnread, LayerWorkspaceMgr workspaceMgr) {
        clear();
        poolFirst = !training && outputUnread;
        long[] shape = output.shape();
        pooled = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                new long[] {shape[0], shape[1], shape[2] / 2, shape[3] / 2}, 'c');
        int windows = (int) pooled.length();
        if (training && (chosen == null || chosen.length < windows)) {
            chosen = new int[windows];
        }
        chosenValid = training;
        outFloats = DenseFloats.of(output);
        pooledFloats = DenseFloats.of(pooled);
        if (vector) {
            outBytes = DenseFloats.bytes(output);
            pooledBytes = DenseFloats.bytes(pooled);
        }
    }

    /** Ends a forward pass: {@code output} is the convolution output that was pooled. */
    void finish(INDArray output) {
        convolutionOutput = output;
    }

    /**
     * One plane (an image's channel, from element {@code start}) of the convolution output given to {@link
     * #start}: bias and ReLU in place, and its 2x2 windows pooled into plane {@code plane} of the pooled output
     * (in inference whose output only this pooling reads, pooled first and left as it is: {@link #poolFirst}).
     * An odd last row or column belongs to no window and gets bias and ReLU only. In SIMD lanes when this
     * pooling is {@link #VECTOR} and the plane has a vector chunk's windows across ({@link VectorPlanes}).
     *
     * <p>On the bits: a ReLU output is never negative, and non-negative floats order as their bit patterns do
     * as ints, so the ReLU is a mask of the sign and every comparison after it an int comparison, which C2
     * compiles to conditional moves (float max and float selects cost a branch or a blend each).
     */
    void plane(int start, int h, int w, float bias, int plane) {
        int ph = h / 2;
        int pw = w / 2;
        int firstWindow = plane * ph * pw;
        if (poolFirst) {
            for (int oh = 0; oh < ph; oh++) {
                int top = start + 2 * oh * w;
                int window = firstWindow + oh * pw;
                if (!(vector && pw >= VectorPlanes.windowsPerChunk()
                        && VectorPlanes.poolRowFirst(outBytes, top, w, pooledBytes, window, pw, bias))) {
                    scalarRowFirst(outFloats, top, w, bias, window, pw);
                }
            }
            pooledFirst++;
            return;
        }
        if (vector && pw >= VectorPlanes.windowsPerChunk()) {
            VectorPlanes.biasRelu(outBytes, start, h * w, bias);
            for (int oh = 0; oh < ph; oh++) {
                int top = start + 2 * oh * w;
                int window = firstWindow + oh * pw;
                if (!VectorPlanes.poolRow(outBytes, top, w, pooledBytes, window, pw, chosenValid ? chosen : null)) {
                    // The pooled array's last windows: the values have their bias and ReLU, add nothing.
                    scalarRow(outFloats, top, w, 0f, window, pw);
                }
            }
            return;
        }
        FloatBuffer out = outFloats;
        for (int oh = 0; oh < ph; oh++) {
            scalarRow(out, start + 2 * oh * w, w, bias, firstWindow + oh * pw, pw);
        }
        if (h % 2 != 0) {
            int last = start + (h - 1) * w;
            for (int i = last; i < last + w; i++) {
                out.put(i, Float.intBitsToFloat(relu(out.get(i) + bias)));
            }
        }
    }

    /** Pooling, then bias and ReLU, of the row pair from element {@code top} into windows from {@code window}. */
    private void scalarRowFirst(FloatBuffer out, int top, int w, float bias, int window, int pw) {
        FloatBuffer pooledOut = pooledFloats;
        int bottom = top + w;
        for (int ow = 0; ow < pw; ow++, window++) {
            int c = 2 * ow;
            float largest = Math.max(Math.max(out.get(top + c), out.get(top + c + 1)),
                    Math.max(out.get(bottom + c), out.get(bottom + c + 1)));
            pooledOut.put(window, Float.intBitsToFloat(relu(largest + bias)));
        }
    }

    /** How many planes were pooled before their bias and ReLU. */
    long pooledFirst() {
        return pooledFirst;
    }

    /** Bias, ReLU and pooling of the row pair from element {@code top} into windows from {@code window}. */
    private void scalarRow(FloatBuffer out, int top, int w, float bias, int window, int pw) {
        FloatBuffer pooledOut = pooledFloats;
        boolean keepChoice = chosenValid;
        int bottom = top + w;
        for (int ow = 0; ow < pw; ow++, window++) {
            int c = 2 * ow;
            int a = relu(out.get(top + c) + bias);
            int b = relu(out.get(top + c + 1) + bias);
            int d = relu(out.get(bottom + c) + bias);
            int e = relu(out.get(bottom + c + 1) + bias);
            out.put(top + c, Float.intBitsToFloat(a));
            out.put(top + c + 1, Float.intBitsToFloat(b));
            out.put(bottom + c, Float.intBitsToFloat(d));
            out.put(bottom + c + 1, Float.intBitsToFloat(e));
            int upper = Math.max(a, b);
            int lower = Math.max(d, e);
            pooledOut.put(window, Float.intBitsToFloat(Math.max(upper, lower)));
            if (keepChoice) {
                // The first largest in row-major order: the upper row on a tie, then the left one. In sign
                // bits of differences (no overflow between non-negative ints): ternaries here compile to
                // branches, and a ReLU's zeros make those branches coin flips.
                int down = (upper - lower) >>> 31;
                int left = a + ((d - a) & -down);
                int right = b + ((e - b) & -down);
                chosen[window] = (down << 1) | ((left - right) >>> 31);
            }
        }
        if (w % 2 != 0) {
            out.put(top + w - 1, Float.intBitsToFloat(relu(out.get(top + w - 1) + bias)));
            out.put(bottom + w - 1, Float.intBitsToFloat(relu(out.get(bottom + w - 1) + bias)));
        }
    }

    /** max(x, 0) as bits: the sign bit, spread, clears a negative value (-0 and negative NaNs become +0). */
    static int relu(float x) {
        int bits = Float.floatToRawIntBits(x);
        return bits & ~(bits >> 31);
    }

    /** Whether {@code input} is the convolution output this pooling was computed from. */
    boolean pooled(INDArray input) {
        return input != null && input == convolutionOutput;
    }

    /** The pooled output of the last forward pass. */
    INDArray pooled() {
        return pooled;
    }

    /**
     * The pooling layer's backward pass: the gradient at the pooled output with the ReLU's gradient applied
     * (0 where a window's output is 0), still in the pooled shape: the convolution spreads it to the chosen
     * inputs image by image ({@link #spreadImage}), so the full-size gradient (2.7 MB for the seed CNN, zeroed
     * and then written at scattered places) is never built. Null when the last forward pass was not a training
     * pass of this pooling.
     */
    INDArray backward(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (!chosenValid || convolutionOutput == null || epsilon.length() != pooled.length()
                || epsilon.dataType() != DataType.FLOAT) {
            return null;
        }
        INDArray result = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT,
                pooled.shape(), 'c');
        FloatBuffer g = DenseFloats.of(result);
        FloatBuffer eps = DenseFloats.of(DenseFloats.denseOrCopy(epsilon));
        FloatBuffer out = DenseFloats.of(pooled);
        int windows = (int) pooled.length();
        for (int window = 0; window < windows; window++) {
            // The window's output is its largest input, never negative: above 0 iff its bits are not 0.
            int bits = Float.floatToRawIntBits(out.get(window));
            int positive = (bits | -bits) >> 31;
            g.put(window, Float.intBitsToFloat(Float.floatToRawIntBits(eps.get(window)) & positive));
        }
        gradient = result;
        return result;
    }

    /**
     * Image {@code n}'s gradient at the convolution output (channels x h x w, from index {@code at} of
     * {@code to}, which the caller zeroed): each window's value of {@code given} (what {@link #backward}
     * returned) at its chosen input. Adds each channel's total to {@code channelSums} (the bias gradient).
     */
    void spreadImage(INDArray given, int n, FloatBuffer to, int at, float[] channelSums) {
        int channels = (int) convolutionOutput.size(1);
        int h = (int) convolutionOutput.size(2);
        int w = (int) convolutionOutput.size(3);
        int ph = h / 2;
        int pw = w / 2;
        FloatBuffer g = DenseFloats.of(given);
        int window = n * channels * ph * pw;
        for (int c = 0; c < channels; c++) {
            float sum = 0f;
            for (int oh = 0; oh < ph; oh++) {
                int top = at + (c * h + 2 * oh) * w;
                for (int ow = 0; ow < pw; ow++, window++) {
                    int pick = chosen[window];
                    float v = g.get(window);
                    to.put(top + (pick >> 1) * w + 2 * ow + (pick & 1), v);
                    sum += v;
                }
            }
            channelSums[c] += sum;
        }
    }

    /** The full-size gradient at the convolution output from what {@link #backward} returned. */
    INDArray spread(INDArray given, LayerWorkspaceMgr workspaceMgr) {
        long[] shape = convolutionOutput.shape();
        INDArray result = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, shape, 'c');
        int image = (int) (shape[1] * shape[2] * shape[3]);
        FloatBuffer to = DenseFloats.of(result);
        float[] unused = new float[(int) shape[1]];
        for (int n = 0; n < shape[0]; n++) {
            spreadImage(given, n, to, n * image, unused);
        }
        return result;
    }

    /** Whether {@code epsilon} is the gradient this pooling gave, its ReLU gradient already applied. */
    boolean gave(INDArray epsilon) {
        return epsilon != null && epsilon == gradient;
    }

    /** Drops every reference into the network's workspaces. */
    void clear() {
        convolutionOutput = null;
        pooled = null;
        gradient = null;
        chosenValid = false;
        outFloats = null;
        pooledFloats = null;
        outBytes = null;
        pooledBytes = null;
    }
}
