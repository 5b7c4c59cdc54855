package io.sparkcnn.model;

import io.sparkcnn.config.Architecture;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.config.UpdaterKind;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ArchitecturesTest {
    private static MultiLayerNetwork net(Architecture a, InputShape shape, int classes, long seed) {
        MultiLayerNetwork n = new MultiLayerNetwork(Architectures.build(
                TrainConfig.of(a, UpdaterKind.ADAM, 1e-3, 32), shape, classes, seed));
        n.init();
        return n;
    }

    private static void assertClassifies(MultiLayerNetwork n, InputShape shape, int classes) {
        INDArray out = n.output(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 5, shape.channels(),
                shape.height(), shape.width()));
        assertArrayEquals(new long[] {5, classes}, out.shape());
        for (int i = 0; i < 5; i++) {
            assertEquals(1.0, out.getRow(i).sumNumber().doubleValue(), 1e-5, "softmax row " + i);
        }
    }

    @Test
    void seedCnnIsExactlyConvPoolSoftmax() {
        InputShape fashion = new InputShape(1, 28, 28);
        MultiLayerNetwork n = net(Architecture.SEED_CNN, fashion, 10, 1);
        assertEquals(3, n.getnLayers());
        ConvolutionLayer conv = assertInstanceOf(ConvolutionLayer.class, n.getLayer(0).conf().getLayer());
        assertEquals(32, conv.getNOut());
        assertArrayEquals(new int[] {3, 3}, conv.getKernelSize());
        assertInstanceOf(SubsamplingLayer.class, n.getLayer(1).conf().getLayer());
        assertInstanceOf(OutputLayer.class, n.getLayer(2).conf().getLayer());
        // conv: 32 x 3x3 + 32 biases; dense softmax: 13x13x32 inputs x 10 + 10.
        assertEquals(32 * 9 + 32 + 13 * 13 * 32 * 10 + 10, n.numParams());
        assertClassifies(n, fashion, 10);
    }

    @Test
    void lenetAndDeepCnnClassifyGreyAndColourInputs() {
        InputShape grey = new InputShape(1, 28, 28);
        MultiLayerNetwork lenet = net(Architecture.LENET, grey, 10, 1);
        assertEquals(156 + 2416 + 48120 + 10164 + 850, lenet.numParams(), "LeNet-5 parameter count");
        assertClassifies(lenet, grey, 10);
        InputShape colour = new InputShape(3, 32, 32);
        assertClassifies(net(Architecture.DEEP_CNN, colour, 4, 1), colour, 4);
        assertClassifies(net(Architecture.SEED_CNN, colour, 3, 1), colour, 3);
    }

    @Test
    void theSeedDecidesTheInitialWeights() {
        InputShape s = new InputShape(1, 28, 28);
        assertEquals(net(Architecture.SEED_CNN, s, 10, 3).params(), net(Architecture.SEED_CNN, s, 10, 3).params());
        assertFalse(net(Architecture.SEED_CNN, s, 10, 3).params().equals(net(Architecture.SEED_CNN, s, 10, 4).params()));
    }

    @Test
    void oneClassIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Architectures.build(
                TrainConfig.of(Architecture.SEED_CNN, UpdaterKind.ADAM, 1e-3, 32), new InputShape(1, 28, 28), 1, 1));
    }
}
