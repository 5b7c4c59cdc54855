package io.sparkcnn.kernels;

import io.sparkcnn.config.Architecture;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.config.UpdaterKind;
import io.sparkcnn.model.Architectures;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.NetworkSpec;
import org.bytedeco.dnnl.memory;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

import java.util.List;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Consecutive oneDNN layers pass their arrays on in oneDNN's layout ({@link BlockedCopies}), where and only where
 * nothing can change the array between the two: the results are DL4J's (CpuKernelsTest compares every
 * architecture; here the cases the sharing rules are about).
 */
class BlockedCopiesTest {
    private static final long[] DIMS = {2, 8, 4, 4};

    @Test
    void oneDnnBlocksSixteenChannelsWithAvx512AndEightWhenHeldToAvx2() {
        // The build runs these tests twice, the second time with oneDNN held to AVX2 (DNNL_MAX_CPU_ISA): this
        // shows which paths each run took.
        boolean avx512 = io.sparkcnn.config.BuildInfo.cpuInfo().orElseThrow().flags()
                .containsAll(java.util.List.of("avx512f", "avx512bw", "avx512vl", "avx512dq"));
        boolean heldToAvx2 = "AVX2".equals(System.getenv("DNNL_MAX_CPU_ISA"));
        assertEquals(avx512 && !heldToAvx2 ? org.bytedeco.dnnl.memory.format_tag.nChw16c
                : org.bytedeco.dnnl.memory.format_tag.nChw8c, OneDnn.blocked());
    }

    @Test
    void aCopyIsFoundForItsOwnArrayInItsOwnLayoutUntilItsKernelRunsAgain() {
        BlockedCopies copies = new BlockedCopies();
        memory.desc blocked = OneDnn.floats(DIMS, OneDnn.blocked());
        memory.desc plain = OneDnn.floats(DIMS, memory.format_tag.nchw);
        memory kernelsOwn = new memory(blocked, OneDnn.ENGINE);
        INDArray written = Nd4j.rand(DataType.FLOAT, DIMS);
        copies.offer(written, kernelsOwn);
        assertSame(kernelsOwn, copies.find(written, blocked));
        assertNull(copies.find(written.dup(), blocked), "an equal array is another array");
        assertNull(copies.find(written, plain), "another layout");
        assertTrue(copies.holds(written, kernelsOwn));
        assertEquals(1, copies.taken());

        INDArray next = Nd4j.rand(DataType.FLOAT, DIMS);
        copies.offer(next, kernelsOwn); // the kernel's next call, into the same memory
        assertNull(copies.find(written, blocked));
        assertFalse(copies.holds(written, kernelsOwn));
        assertSame(kernelsOwn, copies.find(next, blocked));
    }

    @Test
    void deepNetworksPassTheirArraysOnWhereNothingCanChangeThem() throws ReflectiveOperationException {
        InputShape small = new InputShape(3, 16, 16);
        CpuKernelsTest.Pair resnet = CpuKernelsTest.Pair.of(Architectures.build(
                TrainConfig.of(Architecture.RESNET18, UpdaterKind.ADAM, 1e-3, 8), small, 5, 11));
        ComputationGraph graph = (ComputationGraph) resnet.fast();
        // The stem's ReLU feeds the first block's convolution and its residual add: it offers its output, which
        // only they read. Its gradient is the sum the graph adds up in place from both readers: the convolution
        // offers none.
        assertSharing(graph.getLayer("stem-relu"), true, true);
        assertUnread(graph.getLayer("stem-relu"), true);
        assertSharing(graph.getLayer("stage1-block1-a-conv"), true, false);
        assertUnread(graph.getLayer("stage1-block1-a-conv"), true);
        assertSharing(graph.getLayer("stage1-block1-a-bn"), true, true);
        // The last batch norm of a block feeds the add only, which sums in oneDNN's layout and offers its sum to
        // the block's ReLU; the ReLU offers its gradient to the add, which hands it on to that batch norm.
        assertSharing(graph.getLayer("stage1-block1-b-bn"), true, true);
        assertUnread(graph.getLayer("stage1-block1-b-bn"), true);
        AddVertex add = assertInstanceOf(AddVertex.class, graph.getVertex("stage1-block1-add"));
        assertTrue(add.sharing().output() && add.sharing().outputUnread() && !add.sharing().inputGradient());
        assertSharing(graph.getLayer("stage1-block1"), true, true);
        assertTrue(CpuKernels.participant(graph.getLayer("stage1-block1")).sharing().inputGradientUnread());
        long sums = ((OneDnnAdd) add.oneDnnKernel()).sums();
        assertPassesOn(resnet, small, "resnet18");
        assertEquals(sums + 2, ((OneDnnAdd) add.oneDnnKernel()).sums(), "the add summed in oneDNN, in training "
                + "and in inference");
        // The small ResNet's max pooling, in a graph, pools through its kernel (DL4J's own layer would pool in
        // libnd4j): the ReLU before it is read by kernels only.
        ComputationGraph smallResnet = (ComputationGraph) CpuKernelsTest.Pair.of(Architectures.build(TrainConfig.of(
                Architecture.RESNET, UpdaterKind.ADAM, 1e-3, 8), new InputShape(1, 28, 28), 5, 11)).fast();
        assertInstanceOf(HelpedSubsamplingLayer.class, smallResnet.getLayer("pool"));
        assertUnread(smallResnet.getLayer("block1"), true);

        InputShape grey = new InputShape(1, 28, 28);
        CpuKernelsTest.Pair deep = CpuKernelsTest.Pair.of(Architectures.build(
                TrainConfig.of(Architecture.DEEP_CNN, UpdaterKind.ADAM, 1e-3, 8), grey, 5, 11));
        Layer[] layers = ((MultiLayerNetwork) deep.fast()).getLayers();
        assertSharing(layers[1], true, true); // batch norm between the first convolution and a ReLU
        assertUnread(layers[1], true);
        assertSharing(layers[11], false, true); // the last max pooling, before the dense layer
        assertUnread(layers[11], false);
        assertPassesOn(deep, grey, "deep-cnn");

        CpuKernelsTest.Pair mobilenet = CpuKernelsTest.Pair.of(Architectures.build(
                TrainConfig.of(Architecture.MOBILENET_V2, UpdaterKind.ADAM, 1e-3, 8), small, 5, 11));
        assertSharing(((ComputationGraph) mobilenet.fast()).getLayer("stage2-block1-depthwise-relu6"), true, true);
        assertPassesOn(mobilenet, small, "mobilenet-v2");
    }

    /** The copies saved reorders in a training step and inference, and the results are DL4J's. */
    private static void assertPassesOn(CpuKernelsTest.Pair p, InputShape shape, String what)
            throws ReflectiveOperationException {
        DataSet d = CpuKernelsTest.batch(shape, 5, 8, 3);
        double[] stockLoss = new double[1];
        double[] fastLoss = new double[1];
        CpuKernelsTest.gradient(p.stock(), d, stockLoss);
        BlockedCopies copies = copies(p.fast());
        long before = copies.taken();
        CpuKernelsTest.gradient(p.fast(), d, fastLoss);
        assertEquals(stockLoss[0], fastLoss[0], 1e-5 * Math.max(1, stockLoss[0]), what + " loss");
        assertTrue(copies.taken() > before, what + ": no copy taken in training");
        before = copies.taken();
        CpuKernelsTest.assertClose(CpuKernelsTest.output(p.stock(), d.getFeatures()),
                CpuKernelsTest.output(p.fast(), d.getFeatures()), what + " inference");
        assertTrue(copies.taken() > before, what + ": no copy taken in inference");
    }

    private static BlockedCopies copies(Model m) {
        for (Layer layer : CpuKernelsTest.layers(m)) {
            BlockedCopies.Participant p = CpuKernels.participant(layer);
            if (p != null && p.sharing().copies() != null) {
                return p.sharing().copies();
            }
        }
        throw new AssertionError("no layer shares copies");
    }

    private static void assertUnread(Layer layer, boolean unread) {
        assertEquals(unread, CpuKernels.participant(layer).sharing().outputUnread(),
                layer.conf().getLayer().getLayerName() + "'s output is read by oneDNN kernels only");
    }

    /**
     * Network.output and score keep only the result: arrays that only oneDNN kernels read stay unwritten in
     * their passes, and the results are still DL4J's, batch after batch (a reader that missed the copy would
     * read the previous batch's values from the workspace), for whole chunks and for odd sizes the kernels
     * split into views.
     */
    @Test
    void inferenceThatKeepsOnlyTheResultLeavesArraysBetweenOneDnnLayersUnwritten() {
        InputShape small = new InputShape(3, 16, 16);
        InputShape grey = new InputShape(1, 28, 28);
        for (Architecture a : List.of(Architecture.DEEP_CNN, Architecture.RESNET, Architecture.RESNET18,
                Architecture.MOBILENET_V2)) {
            InputShape shape = a == Architecture.DEEP_CNN || a == Architecture.RESNET ? grey : small;
            CpuKernelsTest.Pair p = CpuKernelsTest.Pair.of(Architectures.build(
                    TrainConfig.of(a, UpdaterKind.ADAM, 1e-3, 8), shape, 5, 11));
            spreadBatchNormStatistics(p);
            BlockedCopies copies = copies(p.fast());
            // Two batches of 16 (a power of two: arrays left unwritten), then 5 (chunks of 4 and 1 inside each
            // kernel, written as views: nothing unwritten).
            int[] sizes = {16, 16, 5};
            for (int b = 0; b < sizes.length; b++) {
                DataSet d = CpuKernelsTest.batch(shape, 5, sizes[b], b + 1);
                long before = copies.unwritten();
                long passedOn = copies.passedOn();
                INDArray out = p.network().output(d.getFeatures());
                String what = a + ", batch " + (b + 1) + " of " + sizes[b] + " images";
                CpuKernelsTest.assertClose(CpuKernelsTest.output(p.stock(), d.getFeatures()), out, what);
                assertEquals(sizes[b] == 16, copies.unwritten() > before, what + ": arrays left unwritten");
                assertEquals(sizes[b] == 16, copies.passedOn() > passedOn, what + ": batch norms folded");
                if (b == 1 && (a == Architecture.DEEP_CNN || a == Architecture.RESNET)) { // a stack, a graph
                    double stockLoss = p.stock() instanceof ComputationGraph g ? g.score(d, false)
                            : ((MultiLayerNetwork) p.stock()).score(d, false);
                    assertEquals(stockLoss, p.network().score(d), 1e-5 * Math.max(1, stockLoss), what + " loss");
                }
            }
            // Parameters changed in place (as a training step changes them) are folded in anew.
            p.fast().params().muli(1.1);
            p.stock().setParams(p.fast().params().dup());
            DataSet d = CpuKernelsTest.batch(shape, 5, 16, 4);
            CpuKernelsTest.assertClose(CpuKernelsTest.output(p.stock(), d.getFeatures()),
                    p.network().output(d.getFeatures()), a + ", parameters changed");
        }
    }

    /**
     * The seed CNN's pooled convolution, in inference that keeps only the result, pools its planes before their
     * bias and ReLU, and the network's output is still DL4J's; DL4J's own output pass (which may read the
     * convolution's activations) and training keep the bias and ReLU first.
     */
    @Test
    void theSeedCnnPoolsFirstInInferenceThatKeepsOnlyTheResult() {
        InputShape grey = new InputShape(1, 28, 28);
        CpuKernelsTest.Pair p = CpuKernelsTest.Pair.of(Architectures.build(
                TrainConfig.of(Architecture.SEED_CNN, UpdaterKind.ADAM, 1e-3, 8), grey, 5, 11));
        FusedMaxPooling pooling = ((FusedConvolutionLayer) CpuKernelsTest.layers(p.fast())[0]).pooling();
        for (int b = 1; b <= 2; b++) {
            DataSet d = CpuKernelsTest.batch(grey, 5, 16, b);
            long before = pooling.pooledFirst();
            CpuKernelsTest.assertClose(CpuKernelsTest.output(p.stock(), d.getFeatures()),
                    p.network().output(d.getFeatures()), "batch " + b);
            assertEquals(before + 16L * 32, pooling.pooledFirst(), "batch " + b + ": 32 planes per image pooled first");
            before = pooling.pooledFirst();
            ((MultiLayerNetwork) p.fast()).output(d.getFeatures());
            p.network().fit(d);
            p.stock().setParams(p.fast().params().dup());
            assertEquals(before, pooling.pooledFirst(), "batch " + b + ": DL4J's output and training");
        }
    }

    /**
     * Training steps through Network.fit, which keeps only the parameters and the loss, leave the arrays that
     * only oneDNN kernels read (forward and backward) unwritten, and train bit for bit as the same network does
     * through DL4J's fit, which writes every array: a backward pass that read an unwritten array would take the
     * previous step's values from the workspace. The first step's loss is DL4J's stock network's. The last network's ReLU
     * convolution feeds another convolution: its own output, unwritten, is its ReLU's mask.
     */
    @Test
    void trainingStepsThatKeepOnlyTheParametersLeaveArraysBetweenOneDnnLayersUnwritten() {
        InputShape small = new InputShape(3, 16, 16);
        InputShape grey = new InputShape(1, 28, 28);
        java.util.Map<String, NetworkSpec> specs = new java.util.LinkedHashMap<>();
        java.util.Map<String, InputShape> shapes = new java.util.HashMap<>();
        for (Architecture a : List.of(Architecture.DEEP_CNN, Architecture.RESNET, Architecture.RESNET18,
                Architecture.MOBILENET_V2)) {
            InputShape shape = a == Architecture.DEEP_CNN || a == Architecture.RESNET ? grey : small;
            specs.put(a.configName(), Architectures.build(TrainConfig.of(a, UpdaterKind.SGD, 0.05, 8), shape, 5, 11));
            shapes.put(a.configName(), shape);
        }
        String reluIntoConvolution = "relu convolution into convolution";
        specs.put(reluIntoConvolution, NetworkSpec.of(new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.FLOAT).updater(new org.nd4j.linalg.learning.config.Sgd(0.05)).list()
                .layer(conv(Activation.IDENTITY)).layer(conv(Activation.RELU)).layer(conv(Activation.IDENTITY))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(10, 10, 3)).build()));
        shapes.put(reluIntoConvolution, new InputShape(3, 10, 10));
        for (String network : specs.keySet()) {
            CpuKernelsTest.Pair p = CpuKernelsTest.Pair.of(specs.get(network));
            Model written = CpuKernelsTest.Pair.of(specs.get(network)).fast();
            BlockedCopies copies = copies(p.fast());
            for (int step = 1; step <= 2; step++) {
                DataSet d = CpuKernelsTest.batch(shapes.get(network), 5, 8, step);
                String what = network + ", step " + step;
                long before = copies.unwritten();
                Nd4j.getRandom().setSeed(99 + step); // the same dropout masks
                long handedOn = handedOn(p.fast());
                long passedOn = copies.passedOn();
                double loss = p.network().fit(d);
                assertTrue(copies.unwritten() > before, what + ": arrays left unwritten");
                // Their batch norms have plain ReLUs after them (MobileNetV2's are ReLU6, none in the last).
                boolean batchNormReLUs = !network.equals(Architecture.MOBILENET_V2.configName())
                        && !network.equals(reluIntoConvolution);
                assertEquals(batchNormReLUs, copies.passedOn() > passedOn, what + ": ReLUs fused into batch norms");
                if (network.equals(Architecture.RESNET18.configName())) {
                    // Its adds are followed by ReLUs: they hand the gradient on unwritten.
                    assertTrue(handedOn(p.fast()) > handedOn, what + ": gradients handed on by the adds");
                }
                before = copies(written).unwritten();
                for (Model m : List.of(written, p.stock())) {
                    Nd4j.getRandom().setSeed(99 + step);
                    if (m instanceof ComputationGraph g) {
                        g.fit(d);
                    } else {
                        ((MultiLayerNetwork) m).fit(d);
                    }
                }
                assertEquals(before, copies(written).unwritten(), what + ": DL4J's fit writes every array");
                assertEquals(written.score(), loss, what + " loss");
                assertEquals(0.0, written.params().sub(p.fast().params()).amaxNumber().doubleValue(),
                        what + " parameters");
                if (step == 1) { // after that, the stock network's parameters differ by float rounding
                    assertEquals(p.stock().score(), loss, 1e-5 * Math.max(1, loss), what + ": DL4J's loss");
                }
            }
        }
    }

    private static long handedOn(Model m) {
        long handed = 0;
        if (m instanceof ComputationGraph g) {
            for (org.deeplearning4j.nn.graph.vertex.GraphVertex v : g.getVertices()) {
                handed += v instanceof AddVertex add ? add.handedOn() : 0;
            }
        }
        return handed;
    }

    /** The networks of {@code spec} built with {@code off}, a switch read when a network is built, off. */
    private static CpuKernelsTest.Pair builtWithout(io.sparkcnn.config.SystemProperty off, NetworkSpec spec) {
        System.setProperty(off.name(), "false");
        try {
            return CpuKernelsTest.Pair.of(spec);
        } finally {
            System.clearProperty(off.name());
        }
    }

    /** sparkcnn.onednnAdds off: DL4J's add vertex, the stem's ReLU written for it, the same training step. */
    @Test
    void theAddSwitchKeepsDl4jsVertex() {
        InputShape small = new InputShape(3, 16, 16);
        NetworkSpec spec = Architectures.build(TrainConfig.of(Architecture.RESNET18, UpdaterKind.SGD, 0.05, 8),
                small, 5, 11);
        CpuKernelsTest.Pair with = CpuKernelsTest.Pair.of(spec);
        CpuKernelsTest.Pair without = builtWithout(io.sparkcnn.config.Settings.ONEDNN_ADDS, spec);
        ComputationGraph graph = (ComputationGraph) without.fast();
        assertEquals(org.deeplearning4j.nn.graph.vertex.impl.ElementWiseVertex.class,
                graph.getVertex("stage1-block1-add").getClass());
        assertUnread(graph.getLayer("stem-relu"), false); // the add reads it as DL4J's array
        assertInstanceOf(AddVertex.class, ((ComputationGraph) with.fast()).getVertex("stage1-block1-add"));
        DataSet d = CpuKernelsTest.batch(small, 5, 8, 1);
        assertEquals(with.network().fit(d), without.network().fit(d), "the same loss");
        assertEquals(0.0, with.fast().params().sub(without.fast().params()).amaxNumber().doubleValue(),
                "the same parameters, bit for bit");
    }

    /**
     * sparkcnn.batchNormReLU off: every ReLU after a batch norm runs as its own layer in training, with the same
     * loss and parameters bit for bit, a stack's and a graph's.
     */
    @Test
    void theBatchNormReLUSwitchKeepsTheReLULayers() {
        InputShape grey = new InputShape(1, 28, 28);
        for (Architecture a : List.of(Architecture.DEEP_CNN, Architecture.RESNET)) {
            NetworkSpec spec = Architectures.build(TrainConfig.of(a, UpdaterKind.ADAM, 1e-3, 8), grey, 5, 11);
            CpuKernelsTest.Pair with = CpuKernelsTest.Pair.of(spec);
            CpuKernelsTest.Pair without = builtWithout(io.sparkcnn.config.Settings.BATCH_NORM_RELU, spec);
            for (int step = 1; step <= 3; step++) {
                DataSet d = CpuKernelsTest.batch(grey, 5, 16, step);
                long fused = copies(with.fast()).passedOn();
                long unfused = copies(without.fast()).passedOn();
                String what = a + ", step " + step;
                Nd4j.getRandom().setSeed(99 + step); // the same dropout masks
                double unfusedLoss = without.network().fit(d);
                Nd4j.getRandom().setSeed(99 + step);
                assertEquals(unfusedLoss, with.network().fit(d), what + ": the same loss");
                assertTrue(copies(with.fast()).passedOn() > fused, what + ": ReLUs fused");
                assertEquals(unfused, copies(without.fast()).passedOn(), what + ": no ReLU fused with the switch off");
                assertEquals(0.0, with.fast().params().sub(without.fast().params()).amaxNumber().doubleValue(),
                        what + ": the same parameters, bit for bit");
            }
        }
    }

    /** sparkcnn.blockedTraining and sparkcnn.blockedInference off: every array is written, in both kinds of pass. */
    @Test
    void theSwitchesKeepEveryArrayWritten() {
        InputShape grey = new InputShape(1, 28, 28);
        for (io.sparkcnn.config.SystemProperty off : List.of(io.sparkcnn.config.Settings.BLOCKED_TRAINING,
                io.sparkcnn.config.Settings.BLOCKED_INFERENCE)) {
            System.setProperty(off.name(), "false");
            try {
                CpuKernelsTest.Pair p = CpuKernelsTest.Pair.of(Architectures.build(TrainConfig.of(
                        Architecture.DEEP_CNN, UpdaterKind.SGD, 0.05, 8), grey, 5, 11));
                BlockedCopies copies = copies(p.fast());
                DataSet d = CpuKernelsTest.batch(grey, 5, 16, 1);
                p.network().fit(d);
                boolean training = off == io.sparkcnn.config.Settings.BLOCKED_TRAINING;
                assertEquals(training, copies.unwritten() == 0, off.name() + " off: training step");
                long before = copies.unwritten();
                p.network().output(d.getFeatures());
                assertEquals(training, copies.unwritten() > before, off.name() + " off: inference");
            } finally {
                System.clearProperty(off.name());
            }
        }
    }

    /**
     * Running means, variances (DL4J keeps log10 of the standard deviation), gammas and betas far apart per
     * channel, in both networks: a batch norm folded into a convolution with the wrong channel's statistics must
     * show (a network's first ones are the same for every channel).
     */
    private static void spreadBatchNormStatistics(CpuKernelsTest.Pair p) {
        Nd4j.getRandom().setSeed(5);
        for (Layer layer : CpuKernelsTest.layers(p.fast())) {
            if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                for (String key : layer.paramTable().keySet()) {
                    INDArray param = layer.getParam(key);
                    param.assign(Nd4j.rand(param.dataType(), param.shape()).subi(0.5).addi(key.equals("gamma") ? 1 : 0));
                }
            }
        }
        p.stock().setParams(p.fast().params().dup());
    }

    private static void assertSharing(Layer layer, boolean output, boolean inputGradient) {
        BlockedCopies.Sharing sharing = CpuKernels.participant(layer).sharing();
        String name = layer.conf().getLayer().getLayerName();
        assertEquals(output, sharing.output(), name + " offers its output");
        assertEquals(inputGradient, sharing.inputGradient(), name + " offers its input gradient");
    }

    /**
     * A convolution with an activation in DL4J's own layer (tanh: spark-cnn's layer takes identity and ReLU only;
     * the helper computes the convolution, DL4J then applies the activation in place) must not offer what its
     * kernel wrote: the next convolution would read the values before the activation; and the gradient it is
     * given must be written, since DL4J applies the activation's gradient to it. A ReLU convolution in a graph is
     * spark-cnn's layer, which applies the ReLU in its kernel and offers its output.
     */
    @Test
    void aConvolutionWhoseActivationDl4jAppliesOffersNothing() throws ReflectiveOperationException {
        InputShape shape = new InputShape(3, 10, 10);
        NetworkSpec spec = NetworkSpec.of(new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).graphBuilder().addInputs("image")
                .addLayer("first", conv(Activation.IDENTITY), "image")
                .addLayer("tanh-conv", conv(Activation.TANH), "first")
                .addLayer("relu-conv", conv(Activation.RELU), "tanh-conv")
                .addLayer("linear-conv", conv(Activation.IDENTITY), "relu-conv")
                .addLayer("bn", new BatchNormalization.Builder().build(), "linear-conv")
                .addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "relu")
                .addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD).nOut(5)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("output").setInputTypes(InputType.convolutional(10, 10, 3)).build());
        CpuKernelsTest.Pair p = CpuKernelsTest.Pair.of(spec);
        ComputationGraph graph = (ComputationGraph) p.fast();
        assertSame(org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class,
                graph.getLayer("tanh-conv").getClass());
        assertSharing(graph.getLayer("tanh-conv"), false, true);
        assertInstanceOf(FusedConvolutionLayer.class, graph.getLayer("relu-conv"));
        assertSharing(graph.getLayer("relu-conv"), true, true);
        assertFalse(CpuKernels.participant(graph.getLayer("relu-conv")).sharing().inputGradientUnread(),
                "relu-conv's input gradient goes through tanh-conv's activation gradient in DL4J's code");
        assertSharing(graph.getLayer("linear-conv"), true, true);
        assertTrue(CpuKernels.participant(graph.getLayer("linear-conv")).sharing().inputGradientUnread());
        // Eight images: inference in one piece, where the copies pass (the test below infers 4 + 2).
        INDArray images = CpuKernelsTest.batch(shape, 5, 8, 3).getFeatures();
        CpuKernelsTest.assertClose(CpuKernelsTest.output(p.stock(), images), CpuKernelsTest.output(graph, images),
                "inference of 8 images");
        CpuKernelsTest.assertSameMaths(spec, shape, 5, "activated convolutions in a graph");
        // Training steps through Network.fit (arrays left unwritten where allowed) as through DL4J's fit.
        ComputationGraph written = (ComputationGraph) CpuKernelsTest.Pair.of(spec).fast();
        for (int step = 1; step <= 2; step++) {
            DataSet d = CpuKernelsTest.batch(shape, 5, 8, step);
            double loss = p.network().fit(d);
            written.fit(d);
            assertEquals(written.score(), loss, "step " + step + " loss");
            assertEquals(0.0, written.params().sub(graph.params()).amaxNumber().doubleValue(), "step " + step);
        }
    }

    private static ConvolutionLayer conv(Activation activation) {
        return new ConvolutionLayer.Builder(3, 3).nOut(8).convolutionMode(ConvolutionMode.Same)
                .activation(activation).build();
    }

    /** ReLU6 passes its gradient strictly between 0 and 6, as DL4J's does: at 0 and 6 exactly, none. */
    @Test
    void reluSixMatchesDl4jAtItsCorners() {
        float[] values = {-1f, -0f, 0f, 1e-7f, 3f, 6f - 1e-6f, 6f, 7f};
        INDArray x = Nd4j.create(values, new long[] {1, values.length, 1, 1}).castTo(DataType.FLOAT).repeat(0, 2);
        INDArray dy = Nd4j.rand(DataType.FLOAT, x.shape()).addi(1);
        OneDnnReLU relu = new OneDnnReLU(6.0);
        INDArray out = Nd4j.create(DataType.FLOAT, x.shape());
        relu.forward(x, out, true);
        INDArray dx = Nd4j.create(DataType.FLOAT, x.shape());
        relu.backward(x, dy, dx);
        ActivationReLU6 dl4j = new ActivationReLU6();
        // Exactly equal values (a delta of 0 takes -0 as 0: DL4J's ReLU6 keeps the sign of -0, oneDNN's does not).
        assertArrayEquals(dl4j.getActivation(x.dup(), true).data().asFloat(), out.data().asFloat(), 0f);
        assertArrayEquals(dl4j.backprop(x.dup(), dy.dup()).getFirst().data().asFloat(), dx.data().asFloat(), 0f);
    }
}
