package io.sparkcnn.kernels;

import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.NetworkSpec;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import static io.sparkcnn.kernels.CpuKernelsTest.assertClose;
import static io.sparkcnn.kernels.CpuKernelsTest.assertSameMaths;
import static io.sparkcnn.kernels.CpuKernelsTest.batch;
import static io.sparkcnn.kernels.CpuKernelsTest.gradient;
import static io.sparkcnn.kernels.CpuKernelsTest.output;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused softmax output layer computes DL4J's outputs, loss and gradients (the parameters' and the input's),
 * in the cases where the loss's clipping and the softmax's shift matter too; every other output layer keeps
 * DL4J's code; labels in any layout and masks give DL4J's results.
 */
class FusedOutputLayerTest {
    private static final InputShape SHAPE = new InputShape(2, 7, 6);
    private static final int CLASSES = 3;

    /** conv(4, 3x3, tanh) -> {@code output}: the convolution checks the output layer's input gradient. */
    private static NetworkSpec withOutput(OutputLayer output) {
        return NetworkSpec.of(new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.TANH).build())
                .layer(output)
                .setInputType(InputType.convolutional(SHAPE.height(), SHAPE.width(), SHAPE.channels())).build());
    }

    private static OutputLayer.Builder softmax(LossFunctions.LossFunction loss) {
        return new OutputLayer.Builder(loss).nOut(CLASSES).activation(Activation.SOFTMAX);
    }

    private static MultiLayerNetwork fast(NetworkSpec spec) {
        return (MultiLayerNetwork) spec.build().dl4j();
    }

    @Test
    void softmaxCrossEntropyComputesWhatDl4jComputes() throws ReflectiveOperationException {
        assertSameMaths(withOutput(softmax(LossFunctions.LossFunction.MCXENT).build()), SHAPE, CLASSES, "mcxent");
        assertSameMaths(withOutput(softmax(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD).hasBias(false)
                .build()), SHAPE, CLASSES, "nll, no bias");
        assertInstanceOf(FusedOutputLayer.class,
                fast(withOutput(softmax(LossFunctions.LossFunction.MCXENT).build())).getOutputLayer());
    }

    @Test
    void theScoreIsOfTheCurrentInputAndParameters() {
        // The backward pass keeps its loss for the score DL4J asks for next; any other score is computed.
        CpuKernelsTest.Pair p = CpuKernelsTest.Pair.of(withOutput(softmax(LossFunctions.LossFunction.MCXENT).build()));
        MultiLayerNetwork stock = (MultiLayerNetwork) p.stock();
        MultiLayerNetwork fast = (MultiLayerNetwork) p.fast();
        DataSet d = batch(SHAPE, CLASSES, 6, 5);
        DataSet other = batch(SHAPE, CLASSES, 6, 6);
        gradient(fast, d, new double[1]);
        assertEquals(stock.score(other), fast.score(other), 1e-5, "another batch after a gradient");
        fast.setParams(fast.params().mul(2));
        stock.setParams(stock.params().mul(2));
        assertEquals(stock.score(d), fast.score(d), 1e-5, "the same batch with new parameters");
        double[] stockLoss = new double[1];
        double[] fastLoss = new double[1];
        gradient(stock, other, stockLoss);
        gradient(fast, other, fastLoss);
        assertEquals(stockLoss[0], fastLoss[0], 1e-5, "the gradient's score");
    }

    @Test
    void saturatedSoftmaxKeepsDl4jsShiftAndClipping() {
        // Logits in the hundreds: exp overflows without the shift by the row's largest logit, and the
        // probabilities of the wrong classes reach 0, where the loss takes DL4J's clipped log (1e-10).
        CpuKernelsTest.Pair p = CpuKernelsTest.Pair.of(withOutput(softmax(LossFunctions.LossFunction.MCXENT).build()));
        MultiLayerNetwork stock = (MultiLayerNetwork) p.stock();
        MultiLayerNetwork fast = (MultiLayerNetwork) p.fast();
        stock.setParams(stock.params().mul(300));
        fast.setParams(stock.params().dup());
        DataSet d = batch(SHAPE, CLASSES, 6, 5);
        INDArray probabilities = output(fast, d.getFeatures());
        assertClose(output(stock, d.getFeatures()), probabilities, "saturated output");
        assertFalse(probabilities.isNaN().any(), "no NaN from overflowing exp");
        double[] stockLoss = new double[1];
        double[] fastLoss = new double[1];
        INDArray stockGradient = gradient(stock, d, stockLoss);
        INDArray fastGradient = gradient(fast, d, fastLoss);
        assertTrue(stockLoss[0] > 5, "some examples confidently wrong: loss " + stockLoss[0]);
        assertEquals(stockLoss[0], fastLoss[0], 1e-5 * stockLoss[0], "clipped loss");
        assertClose(stockGradient, fastGradient, "saturated gradient");
    }

    @Test
    void otherOutputLayersKeepDl4jsCode() throws ReflectiveOperationException {
        OutputLayer[] others = {
            new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(CLASSES).activation(Activation.IDENTITY)
                    .build(),
            new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(CLASSES).activation(Activation.SOFTMAX)
                    .build(),
            new OutputLayer.Builder(new LossMCXENT(Nd4j.createFromArray(1f, 2f, 0.5f))).nOut(CLASSES)
                    .activation(Activation.SOFTMAX).build(),
        };
        for (OutputLayer other : others) {
            String what = other.getLossFn() + " " + other.getActivationFn();
            NetworkSpec spec = withOutput(other);
            assertEquals(org.deeplearning4j.nn.layers.OutputLayer.class, fast(spec).getOutputLayer().getClass(),
                    what);
            assertSameMaths(spec, SHAPE, CLASSES, what);
        }
        // With dropout on its input: loss and gradient only, as DL4J's dropout overwrites the previous layer's
        // activations in place where they are not a copy, so feedForward's lists differ by layout.
        NetworkSpec dropout = withOutput(softmax(LossFunctions.LossFunction.MCXENT).dropOut(0.8).build());
        assertEquals(org.deeplearning4j.nn.layers.OutputLayer.class, fast(dropout).getOutputLayer().getClass());
        CpuKernelsTest.Pair p = CpuKernelsTest.Pair.of(dropout);
        DataSet d = batch(SHAPE, CLASSES, 6, 5);
        double[] stockLoss = new double[1];
        double[] fastLoss = new double[1];
        INDArray stockGradient = gradient(p.stock(), d, stockLoss);
        INDArray fastGradient = gradient(p.fast(), d, fastLoss);
        assertEquals(stockLoss[0], fastLoss[0], 1e-5 * Math.max(1, stockLoss[0]), "dropout: loss");
        assertClose(stockGradient, fastGradient, "dropout: gradient");
    }

    @Test
    void labelsInAnyLayoutGiveDl4jsLossAndGradient() {
        CpuKernelsTest.Pair p = CpuKernelsTest.Pair.of(withOutput(softmax(LossFunctions.LossFunction.MCXENT).build()));
        DataSet d = batch(SHAPE, CLASSES, 5, 8);
        double[] expectedLoss = new double[1];
        INDArray expected = gradient(p.stock(), d, expectedLoss);
        INDArray wide = Nd4j.zeros(DataType.FLOAT, 5, 2 * CLASSES);
        INDArray strided = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(0, CLASSES)).assign(d.getLabels());
        for (INDArray labels : new INDArray[] {d.getLabels().dup('f'), strided,
                d.getLabels().castTo(DataType.DOUBLE)}) {
            double[] loss = new double[1];
            INDArray actual = gradient(p.fast(), new DataSet(d.getFeatures(), labels), loss);
            String what = "labels " + labels.ordering() + " " + labels.dataType() + " strides "
                    + java.util.Arrays.toString(labels.stride());
            assertEquals(expectedLoss[0], loss[0], 1e-5 * Math.max(1, expectedLoss[0]), what + ": loss");
            assertClose(expected, actual, what + ": gradient");
        }
    }

    @Test
    void aLabelMaskGivesDl4jsLossAndGradient() {
        CpuKernelsTest.Pair p = CpuKernelsTest.Pair.of(withOutput(softmax(LossFunctions.LossFunction.MCXENT).build()));
        DataSet d = batch(SHAPE, CLASSES, 4, 9);
        INDArray mask = Nd4j.createFromArray(new float[][] {{1}, {0}, {1}, {0}});
        double[] unmaskedLoss = new double[1];
        INDArray unmasked = gradient(p.fast(), d, unmaskedLoss);
        double[][] loss = new double[2][1];
        INDArray[] masked = new INDArray[2];
        int i = 0;
        for (var m : new MultiLayerNetwork[] {(MultiLayerNetwork) p.stock(), (MultiLayerNetwork) p.fast()}) {
            m.setInput(d.getFeatures());
            m.setLabels(d.getLabels());
            m.setLayerMaskArrays(null, mask);
            m.computeGradientAndScore();
            loss[i][0] = m.score();
            masked[i++] = m.gradient().gradient().dup();
            m.clearLayerMaskArrays();
        }
        assertEquals(loss[0][0], loss[1][0], 1e-5 * Math.max(1, loss[0][0]), "masked loss");
        assertClose(masked[0], masked[1], "masked gradient");
        assertTrue(Math.abs(unmaskedLoss[0] - loss[1][0]) > 1e-3, "the mask changed the loss");
    }
}
