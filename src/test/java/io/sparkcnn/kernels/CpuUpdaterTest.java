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

    /**
     * The SIMD loop gives the scalar loop's bits, element by element, for lengths around whole vectors, with
     * gradients that are zero, tiny, huge or negative and moments from earlier steps.
     */
    @Test
    void adamsSimdLoopGivesTheScalarLoopsBits() {
        assertTrue(VectorApi.PRESENT, "the tests run with the Vector API module (conf/java17.flags)");
        java.util.Random random = new java.util.Random(5);
        for (int n : new int[] {1, 7, 15, 16, 17, 33, 1000, 4099}) {
            float[] g = new float[n];
            float[] m = new float[n];
            float[] u = new float[n];
            for (int i = 0; i < n; i++) {
                g[i] = switch (i % 5) {
                    case 0 -> 0f;
                    case 1 -> (float) random.nextGaussian() * 1e-30f;
                    case 2 -> (float) random.nextGaussian() * 1e6f;
                    default -> (float) random.nextGaussian();
                };
                m[i] = (float) random.nextGaussian() * 0.1f;
                u[i] = Math.abs((float) random.nextGaussian()) * 0.01f;
            }
            java.nio.FloatBuffer[] scalar = {java.nio.FloatBuffer.wrap(g.clone()), java.nio.FloatBuffer.wrap(m.clone()),
                    java.nio.FloatBuffer.wrap(u.clone())};
            JavaAdam.step(scalar[0], scalar[1], scalar[2], n, 0.9f, 0.999f, 3.2e-3f, 1e-8f);
            java.nio.ByteBuffer[] lanes = {bytes(g), bytes(m), bytes(u)};
            VectorAdam.step(lanes[0], lanes[1], lanes[2], n, 0.9f, 0.999f, 3.2e-3f, 1e-8f);
            for (int a = 0; a < 3; a++) {
                for (int i = 0; i < n; i++) {
                    assertEquals(Float.floatToRawIntBits(scalar[a].get(i)),
                            Float.floatToRawIntBits(lanes[a].getFloat(4 * i)),
                            "array " + a + ", element " + i + " of " + n);
                }
            }
        }
    }

    private static java.nio.ByteBuffer bytes(float[] values) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocateDirect(4 * values.length)
                .order(java.nio.ByteOrder.nativeOrder());
        b.asFloatBuffer().put(values);
        return b;
    }
}
