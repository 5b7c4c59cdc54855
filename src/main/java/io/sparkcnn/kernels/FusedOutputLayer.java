package io.sparkcnn.kernels;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood;

import java.nio.FloatBuffer;

/**
 * DL4J's OutputLayer in its classifier form, softmax with the multi-class cross-entropy (MCXENT, or
 * NEGATIVELOGLIKELIHOOD which is the same loss), unweighted: the logits {@code X W + b}, the weight gradient
 * {@code X^T delta} and the input gradient {@code delta W^T} are one OpenBLAS product each on the arrays as
 * DL4J stores them, and the softmax, its loss and {@code delta = softmax - labels} are one pass in Java over the
 * {@code [minibatch, classes]} logits. Why: DL4J's layer runs about twenty ND4J ops per training step for
 * this (two of the logits' products: one for the gradient and one for the score), each creating arrays and
 * shape descriptors: for a small network most of that time is bookkeeping, not arithmetic.
 *
 * <p>Same maths, parameters and saved files as DL4J's layer: the softmax subtracts each row's largest logit, the
 * loss clips probabilities to DL4J's {@code [eps, 1 - eps]} ({@link LossMCXENT#getSoftmaxClipEps}) before the
 * log, and the gradient is the sum over the minibatch (DL4J's updater divides). Anything else (masks, another
 * data type, labels of another shape) goes to DL4J's code. {@link CpuKernels} puts one in place of a float
 * OutputLayer without dropout or weight noise.
 */
final class FusedOutputLayer extends OutputLayer {
    /** Logits, then softmax, then delta of the last call, {@code [minibatch, classes]} c order; grown as needed. */
    private INDArray scratch;
    /** The last shape's view of {@link #scratch}. */
    private INDArray scratchView;
    /**
     * The loss the last backward pass computed on the way, and the input and labels it was for: DL4J asks for
     * the score right after the gradient, with the same input, labels and parameters, and would otherwise
     * compute the logits a second time. Taken once; null when there is none.
     */
    private INDArray lossInput;
    private INDArray lossLabels;
    private double loss;

    /** A layer for {@code conf}; {@link CpuKernels} gives it the state of the layer it replaces. */
    FusedOutputLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Whether this layer can stand in for {@code layer}: float, softmax, unweighted cross-entropy, no noise. */
    static boolean canReplace(OutputLayer layer, DataType dataType) {
        org.deeplearning4j.nn.conf.layers.OutputLayer conf =
                (org.deeplearning4j.nn.conf.layers.OutputLayer) layer.conf().getLayer();
        Class<?> loss = conf.getLossFn().getClass();
        return layer.getClass() == OutputLayer.class && dataType == DataType.FLOAT
                && conf.getActivationFn().getClass() == ActivationSoftmax.class
                && (loss == LossMCXENT.class || loss == LossNegativeLogLikelihood.class)
                && ((LossMCXENT) conf.getLossFn()).getWeights() == null
                && conf.getIDropout() == null && conf.getWeightNoise() == null;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray x = denseInput();
        if (x == null) {
            return super.activate(training, workspaceMgr);
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                new long[] {x.size(0), classes()}, 'c');
        logits(x, out);
        softmax(DenseFloats.of(out), (int) x.size(0), classes());
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        INDArray x = denseInput();
        INDArray y = denseLabels();
        if (x == null || y == null || !DenseMatrices.dense(gradientViews.get(DefaultParamInitializer.WEIGHT_KEY))) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        int rows = (int) x.size(0);
        int classes = classes();
        INDArray delta = scratch(rows, classes);
        logits(x, delta);
        FloatBuffer d = DenseFloats.of(delta);
        softmax(d, rows, classes);
        FloatBuffer labels = DenseFloats.of(y);
        loss = loss(d, labels, rows * classes);
        lossInput = input;
        lossLabels = this.labels;
        for (int i = 0; i < rows * classes; i++) {
            d.put(i, d.get(i) - labels.get(i));
        }
        Gradient gradient = new DefaultGradient();
        INDArray weightGradient = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
        DenseMatrices.multiply(x, true, delta, false, weightGradient);
        gradient.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, weightGradient);
        if (hasBias()) {
            INDArray biasGradient = gradientViews.get(DefaultParamInitializer.BIAS_KEY);
            FloatBuffer b = DenseFloats.of(biasGradient);
            for (int c = 0; c < classes; c++) {
                float sum = 0f;
                for (int r = 0; r < rows; r++) {
                    sum += d.get(r * classes + c);
                }
                b.put(c, sum);
            }
            gradient.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, biasGradient);
        }
        INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
        INDArray epsilonNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT,
                new long[] {rows, w.size(0)}, 'c');
        DenseMatrices.multiply(delta, false, w, true, epsilonNext);
        return new Pair<>(gradient, epsilonNext);
    }

    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        double sum;
        if (lossInput != null && lossInput == input && lossLabels == labels && maskArray == null) {
            // No dense copies needed: the backward pass had them (the same input and labels objects).
            sum = loss;
        } else {
            INDArray x = denseInput();
            INDArray y = denseLabels();
            if (x == null || y == null) {
                return super.computeScore(fullNetRegTerm, training, workspaceMgr);
            }
            int rows = (int) x.size(0);
            int classes = classes();
            INDArray z = scratch(rows, classes);
            logits(x, z);
            FloatBuffer p = DenseFloats.of(z);
            softmax(p, rows, classes);
            sum = loss(p, DenseFloats.of(y), rows * classes);
        }
        lossInput = null;
        lossLabels = null;
        long rows = input.size(0);
        score = (conf().isMiniBatch() ? sum / rows : sum) + fullNetRegTerm;
        return score;
    }

    @Override
    public void clear() {
        super.clear();
        lossInput = null;
        lossLabels = null;
    }

    /** The summed cross-entropy of probabilities {@code p}, clipped to DL4J's {@code [eps, 1 - eps]}. */
    private double loss(FloatBuffer p, FloatBuffer labels, int length) {
        float eps = (float) ((LossMCXENT) layerConf().getLossFn()).getSoftmaxClipEps();
        double sum = 0;
        for (int i = 0; i < length; i++) {
            float clipped = eps > 0f ? Math.min(Math.max(p.get(i), eps), 1f - eps) : p.get(i);
            sum -= (float) Math.log(clipped) * labels.get(i);
        }
        return sum;
    }

    private int classes() {
        return (int) layerConf().getNOut();
    }

    /** The input as a dense float matrix with the weights' rows as columns; null for DL4J's code. */
    private INDArray denseInput() {
        if (input == null || maskArray != null || input.rank() != 2 || input.dataType() != DataType.FLOAT
                || input.size(1) != getParam(DefaultParamInitializer.WEIGHT_KEY).size(0)
                || !DenseMatrices.dense(getParam(DefaultParamInitializer.WEIGHT_KEY))) {
            return null;
        }
        return DenseMatrices.dense(input) ? input : input.dup('c');
    }

    /** The labels as a dense c-order float matrix of the logits' shape; null for DL4J's code (and its error). */
    private INDArray denseLabels() {
        if (labels == null || labels.rank() != 2 || labels.size(0) != input.size(0) || labels.size(1) != classes()) {
            return null;
        }
        return DenseMatrices.rowMajor(labels) ? labels : labels.castTo(DataType.FLOAT).dup('c');
    }

    /** {@code z = X W + b}, z dense c order. */
    private void logits(INDArray x, INDArray z) {
        DenseMatrices.multiply(x, false, getParam(DefaultParamInitializer.WEIGHT_KEY), false, z);
        if (hasBias()) {
            FloatBuffer b = DenseFloats.of(DenseFloats.denseOrCopy(getParam(DefaultParamInitializer.BIAS_KEY)));
            FloatBuffer out = DenseFloats.of(z);
            int rows = (int) z.size(0);
            int classes = (int) z.size(1);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < classes; c++) {
                    out.put(r * classes + c, out.get(r * classes + c) + b.get(c));
                }
            }
        }
    }

    /** Each row of {@code z} ({@code [rows, classes]}, c order) replaced by its softmax. */
    private static void softmax(FloatBuffer z, int rows, int classes) {
        for (int r = 0; r < rows; r++) {
            int row = r * classes;
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, z.get(row + c));
            }
            float sum = 0f;
            for (int c = 0; c < classes; c++) {
                float e = (float) Math.exp(z.get(row + c) - max);
                z.put(row + c, e);
                sum += e;
            }
            for (int c = 0; c < classes; c++) {
                z.put(row + c, z.get(row + c) / sum);
            }
        }
    }

    private INDArray scratch(int rows, int classes) {
        if (scratchView != null && scratchView.size(0) == rows && scratchView.size(1) == classes) {
            return scratchView;
        }
        long length = (long) rows * classes;
        if (scratch == null || scratch.length() < length) {
            scratch = Nd4j.createUninitializedDetached(DataType.FLOAT, Math.max(length, 256));
        }
        scratchView = scratch.get(NDArrayIndex.interval(0, length)).reshape('c', rows, classes);
        return scratchView;
    }
}
