package io.sparkcnn.kernels;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Batch normalisation (Ioffe and Szegedy 2015) of float NCHW activations for DL4J's BatchNormalization layer,
 * in the helper slot: per channel, the minibatch mean and (population) variance in double precision over the
 * channel's planes, then {@code y = (x - mean) * gamma / sqrt(var + eps) + beta} in one pass; backward
 * {@code dBeta = sum(dy)}, {@code dGamma = sum(dy * xhat)},
 * {@code dx = gamma / sqrt(var + eps) * (dy - dBeta / M - xhat * dGamma / M)} over the M values of each channel.
 * Why: DL4J's own helper (libnd4j's batchnorm ops behind ND4J's reductions) computes the variance as a
 * reduction over strided tensors, the largest single cost of a batch-normalised network's step in profiles;
 * each channel's planes here are contiguous runs of memory. Anything but dense float NCHW (or rank-2) arrays goes
 * to DL4J's code (null). A layer with gamma and beta runs in {@link OneDnnBatchNorm} where oneDNN is available
 * (the same formulas, vectorised).
 */
final class BatchNormKernel implements BatchNormalizationHelper, BlockedCopies.Participant {
    /** The last training pass's per-channel mean and variance, which DL4J reads for its running averages. */
    private INDArray meanCache;
    private INDArray varCache;
    /** oneDNN's primitives for layers with gamma and beta, when available; null: the loops below. */
    private final OneDnnBatchNorm oneDnn = OneDnn.available() ? new OneDnnBatchNorm() : null;

    @Override
    public OneDnnKernel oneDnnKernel() {
        return oneDnn;
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return true;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Map.of();
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return meanCache;
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return varCache;
    }

    /** A dense float NCHW array's minibatch, channels and values per channel plane ({@code h * w}). */
    private record Layout(int n, int channels, int plane) {
        /** Null for anything else, which DL4J's code handles. */
        static Layout of(INDArray x, CNN2DFormat format) {
            if (x.dataType() != DataType.FLOAT || x.rank() != 4 || format != CNN2DFormat.NCHW
                    || !DenseFloats.dense(x)) {
                return null;
            }
            return new Layout((int) x.size(0), (int) x.size(1), (int) (x.size(2) * x.size(3)));
        }
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
                              INDArray mean, INDArray var, double decay, double eps, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        Layout l = Layout.of(x, format);
        boolean handled = l != null && denseOrNull(gamma) && denseOrNull(beta) && DenseFloats.dense(mean)
                && DenseFloats.dense(var);
        if (!(handled && gamma != null && beta != null)) {
            nchw(x); // read by DL4J's code or the loops below
        }
        if (!handled) {
            return null;
        }
        int n = l.n();
        int channels = l.channels();
        int plane = l.plane();
        if (training && (meanCache == null || meanCache.length() != channels)) {
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                meanCache = Nd4j.createUninitialized(DataType.FLOAT, channels);
                varCache = Nd4j.createUninitialized(DataType.FLOAT, channels);
            }
        }
        if (oneDnn != null && gamma != null && beta != null) {
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, x.shape(), 'c');
            oneDnn.forward(x, training, gamma, beta, training ? meanCache : mean, training ? varCache : var, eps,
                    out);
            return out;
        }
        FloatBuffer in = DenseFloats.of(x);
        float[] m = new float[channels];
        float[] v = new float[channels];
        if (training) {
            statistics(in, n, channels, plane, m, v);
            FloatBuffer mc = DenseFloats.of(meanCache);
            FloatBuffer vc = DenseFloats.of(varCache);
            for (int c = 0; c < channels; c++) {
                mc.put(c, m[c]);
                vc.put(c, v[c]);
            }
        } else {
            DenseFloats.of(mean).get(0, m);
            DenseFloats.of(var).get(0, v);
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, x.shape(), 'c');
        FloatBuffer o = DenseFloats.of(out);
        FloatBuffer g = gamma == null ? null : DenseFloats.of(gamma);
        FloatBuffer b = beta == null ? null : DenseFloats.of(beta);
        for (int c = 0; c < channels; c++) {
            float inverse = (float) (1.0 / Math.sqrt(v[c] + eps));
            float scale = (g == null ? 1f : g.get(c)) * inverse;
            float shift = b == null ? 0f : b.get(c);
            float centre = m[c];
            for (int i = 0; i < n; i++) {
                int start = (i * channels + c) * plane;
                for (int p = start; p < start + plane; p++) {
                    o.put(p, (in.get(p) - centre) * scale + shift);
                }
            }
        }
        return out;
    }

    /** Per channel: the mean, then the mean squared deviation from it, both summed in double. */
    private static void statistics(FloatBuffer in, int n, int channels, int plane, float[] mean, float[] var) {
        double count = (double) n * plane;
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                int start = (i * channels + c) * plane;
                for (int p = start; p < start + plane; p++) {
                    sum += in.get(p);
                }
            }
            double mu = sum / count;
            double squares = 0;
            for (int i = 0; i < n; i++) {
                int start = (i * channels + c) * plane;
                for (int p = start; p < start + plane; p++) {
                    double d = in.get(p) - mu;
                    squares += d * d;
                }
            }
            mean[c] = (float) mu;
            var[c] = (float) (squares / count);
        }
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView,
                                                     double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        Layout l = Layout.of(input, format);
        if (l == null || meanCache == null || meanCache.length() != l.channels() || !denseOrNull(gamma)
                || epsilon.dataType() != DataType.FLOAT || !java.util.Arrays.equals(epsilon.shape(), input.shape())
                || dGammaView == null || dBetaView == null || !DenseFloats.dense(dGammaView)
                || !DenseFloats.dense(dBetaView)) {
            if (oneDnn != null && oneDnn.fusedReLU(input)) {
                // Never so: fused only where the forward pass ran in oneDNN, whose conditions hold here too.
                throw new IllegalStateException("a batch norm that ran with its ReLU fused in cannot take this "
                        + "gradient: " + epsilon.shapeInfoToString());
            }
            nchw(input); // read by DL4J's code
            nchw(epsilon);
            return null;
        }
        INDArray result = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(),
                'c');
        Gradient gradient = new DefaultGradient();
        gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        if (oneDnn != null && gamma != null && beta != null) {
            oneDnn.backward(input, DenseFloats.denseOrCopy(epsilon), gamma, beta, meanCache, varCache, eps, result,
                    dGammaView, dBetaView);
            return new Pair<>(gradient, result);
        }
        int n = l.n();
        int channels = l.channels();
        int plane = l.plane();
        FloatBuffer x = DenseFloats.of(nchw(input));
        FloatBuffer dy = DenseFloats.of(DenseFloats.denseOrCopy(nchw(epsilon)));
        FloatBuffer mc = DenseFloats.of(meanCache);
        FloatBuffer vc = DenseFloats.of(varCache);
        FloatBuffer g = gamma == null ? null : DenseFloats.of(gamma);
        FloatBuffer dGamma = DenseFloats.of(dGammaView);
        FloatBuffer dBeta = DenseFloats.of(dBetaView);
        FloatBuffer dx = DenseFloats.of(result);
        double count = (double) n * plane;
        for (int c = 0; c < channels; c++) {
            float centre = mc.get(c);
            float inverse = (float) (1.0 / Math.sqrt(vc.get(c) + eps));
            double sumDy = 0;
            double sumDyXhat = 0;
            for (int i = 0; i < n; i++) {
                int start = (i * channels + c) * plane;
                for (int p = start; p < start + plane; p++) {
                    float d = dy.get(p);
                    sumDy += d;
                    sumDyXhat += d * ((x.get(p) - centre) * inverse);
                }
            }
            dBeta.put(c, (float) sumDy);
            dGamma.put(c, (float) sumDyXhat);
            float scale = (g == null ? 1f : g.get(c)) * inverse;
            float meanDy = (float) (sumDy / count);
            float meanDyXhat = (float) (sumDyXhat / count);
            for (int i = 0; i < n; i++) {
                int start = (i * channels + c) * plane;
                for (int p = start; p < start + plane; p++) {
                    float xhat = (x.get(p) - centre) * inverse;
                    dx.put(p, scale * (dy.get(p) - meanDy - xhat * meanDyXhat));
                }
            }
        }
        return new Pair<>(gradient, result);
    }

    private static boolean denseOrNull(INDArray a) {
        return a == null || DenseFloats.dense(a);
    }
}
