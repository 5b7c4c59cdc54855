package io.sparkcnn.kernels;

import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.NetworkSpec;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

import java.util.ArrayList;
import java.util.List;

import static io.sparkcnn.kernels.CpuKernelsTest.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The installed updater steps as DL4J's does: Adam in Java with a changing learning rate, DL4J's other updaters,
 * networks whose layers have different updaters (several updater blocks), and a residual graph; same parameters
 * and same state.
 */
class CpuUpdaterTest {
    private static final InputShape SHAPE = new InputShape(1, 8, 8);

    /**
     * conv(4, 3x3, tanh) with {@code convUpdater} -> softmax over 3 classes with {@code updater}. Tanh, not ReLU:
     * a pre-activation within rounding of 0 takes ReLU's kink either way, and SGD carries that step on.
     */
    private static NetworkSpec network(IUpdater updater, IUpdater convUpdater) {
        return NetworkSpec.of(new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .updater(updater).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.TANH).updater(convUpdater).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(SHAPE.height(), SHAPE.width(), SHAPE.channels())).build());
    }

    /**
     * conv(4, 3x3) -> batch norm -> tanh, added to the input's projection conv(4, 1x1), -> global average pooling
     * -> softmax over 3 classes, all with {@code updater}: a graph with a residual add, as ResNets are. The
     * convolution before the batch norm has no bias, as in ResNets: the norm takes the mean out, so a bias's
     * gradient would be rounding noise, which Adam scales up to whole steps, differently in each network.
     */
    private static NetworkSpec graph(IUpdater updater) {
        return NetworkSpec.of(new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT).updater(updater)
                .graphBuilder().addInputs("in")
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .hasBias(false).activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().activation(Activation.TANH).build(), "conv")
                .addLayer("projection", new ConvolutionLayer.Builder(1, 1).nOut(4)
                        .activation(Activation.IDENTITY).build(), "in")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "bn", "projection")
                .addLayer("pool", new GlobalPoolingLayer.Builder().build(), "add")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out")
                .setInputTypes(InputType.convolutional(SHAPE.height(), SHAPE.width(), SHAPE.channels())).build());
    }

    /** Eight steps of both networks on the same batches: parameters and updater state stay together. */
    private static List<String> assertSameTrajectory(NetworkSpec spec, String what) {
        CpuKernelsTest.Pair p = CpuKernelsTest.Pair.of(spec);
        Model stock = p.stock();
        Model fast = p.fast();
        BaseMultiLayerUpdater<?> fastUpdater = updater(fast);
        Class<?> expected = spec.graph() ? CpuGraphUpdater.class : CpuUpdater.class;
        assertEquals(expected, fastUpdater.getClass(), what);
        for (int step = 0; step < 8; step++) {
            DataSet d = batch(SHAPE, 3, 16, 200 + step);
            fit(stock, d);
            fit(fast, d);
            assertEquals(stock.score(), fast.score(), 1e-4 * Math.max(1, stock.score()), what + ": loss, step " + step);
        }
        double drift = stock.params().sub(fast.params()).amaxNumber().doubleValue();
        assertTrue(drift < 1e-4, what + ": parameters after 8 steps differ by " + drift);
        if (updater(stock).getStateViewArray() != null) {
            double stateDrift = updater(stock).getStateViewArray().sub(fastUpdater.getStateViewArray())
                    .amaxNumber().doubleValue();
            assertTrue(stateDrift < 1e-4, what + ": updater state differs by " + stateDrift);
        }
        List<String> updaters = new ArrayList<>();
        for (UpdaterBlock block : fastUpdater.getUpdaterBlocks()) {
            updaters.add(block.getGradientUpdater().getClass().getSimpleName());
        }
        return updaters;
    }

    private static void fit(Model m, DataSet d) {
        if (m instanceof ComputationGraph g) {
            g.fit(d);
        } else {
            ((MultiLayerNetwork) m).fit(d);
        }
    }

    private static BaseMultiLayerUpdater<?> updater(Model m) {
        return m instanceof ComputationGraph g ? g.getUpdater()
                : (BaseMultiLayerUpdater<?>) ((MultiLayerNetwork) m).getUpdater();
    }

    @Test
    void adamWithAChangingLearningRateStepsAsDl4jsAdam() {
        // The rate halves every 2 iterations: the Java loop reads it per step as DL4J's op does.
        Adam adam = new Adam(new StepSchedule(ScheduleType.ITERATION, 1e-2, 0.5, 2));
        assertEquals(List.of("JavaAdam"), assertSameTrajectory(network(adam, adam), "adam, step schedule"));
    }

    @Test
    void otherUpdatersAndMixedBlocksStepAsDl4jDoes() {
        assertEquals(List.of("SgdUpdater"), assertSameTrajectory(network(new Sgd(0.1), new Sgd(0.1)), "sgd"));
        assertEquals(List.of("NesterovsUpdater"), assertSameTrajectory(
                network(new Nesterovs(0.05, 0.9), new Nesterovs(0.05, 0.9)), "nesterovs"));
        // Two updater blocks: the convolution's parameters by SGD, the output layer's by Adam.
        assertEquals(List.of("SgdUpdater", "JavaAdam"),
                assertSameTrajectory(network(new Adam(1e-2), new Sgd(0.1)), "sgd then adam"));
    }

    @Test
    void aResidualGraphStepsAsDl4jsGraphDoes() {
        Adam adam = new Adam(new StepSchedule(ScheduleType.ITERATION, 1e-2, 0.5, 2));
        // The batch norm's running mean and deviation are a block of their own, which DL4J does not step.
        assertEquals(List.of("JavaAdam", "NoOpUpdater", "JavaAdam"), assertSameTrajectory(graph(adam), "graph, adam"));
        assertEquals(List.of("SgdUpdater", "NoOpUpdater", "SgdUpdater"),
                assertSameTrajectory(graph(new Sgd(0.1)), "graph, sgd"));
    }
}
