package io.sparkcnn.model;

import io.sparkcnn.config.Architecture;
import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.LearningRateSchedule;
import io.sparkcnn.config.OptimiserConfig;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.config.UpdaterKind;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArchitecturesTest {
    private static Network net(Architecture a, InputShape shape, int classes, long seed) {
        return Architectures.build(TrainConfig.of(a, UpdaterKind.ADAM, 1e-3, 32), shape, classes, seed).build();
    }

    private static void assertClassifies(Network n, InputShape shape, int classes) {
        INDArray out = n.output(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 5, shape.channels(),
                shape.height(), shape.width()));
        assertArrayEquals(new long[] {5, classes}, out.shape());
        for (int i = 0; i < 5; i++) {
            assertEquals(1.0, out.getRow(i).sumNumber().doubleValue(), 1e-5, "softmax row " + i);
        }
    }

    /** Trainable parameters as the papers and torchvision count them: DL4J also counts batch norm's running stats. */
    private static long trainable(Network n) {
        long runningStats = 0;
        for (org.deeplearning4j.nn.api.Layer l : ((ComputationGraph) n.dl4j()).getLayers()) {
            if (l.conf().getLayer() instanceof BatchNormalization bn) {
                runningStats += 2 * bn.getNOut();
            }
        }
        return n.numParams() - runningStats;
    }

    @Test
    void thePhotoNetworksHaveTheirPapersParameterCountsFor1000ClassesAt224() {
        InputShape imagenet = new InputShape(3, 224, 224);
        assertEquals(11_689_512, trainable(net(Architecture.RESNET18, imagenet, 1000, 1)), "ResNet-18, 11.7M");
        assertEquals(21_797_672, trainable(net(Architecture.RESNET34, imagenet, 1000, 1)), "ResNet-34, 21.8M");
        assertEquals(25_557_032, trainable(net(Architecture.RESNET50, imagenet, 1000, 1)), "ResNet-50, 25.6M");
        assertEquals(3_504_872, trainable(net(Architecture.MOBILENET_V2, imagenet, 1000, 1)), "MobileNetV2, 3.5M");
    }

    @Test
    void thePhotoNetworksClassifyAndTrainOnSmallImagesWithTheSmallStem() {
        InputShape cifar = new InputShape(3, 16, 16);
        for (Architecture a : List.of(Architecture.RESNET18, Architecture.MOBILENET_V2)) {
            Network n = net(a, cifar, 10, 3);
            assertClassifies(n, cifar, 10);
            ComputationGraph g = (ComputationGraph) n.dl4j();
            INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 16, 16);
            INDArray y = Nd4j.eye(10).getRows(0, 1, 2, 3).castTo(DataType.FLOAT);
            INDArray before = g.params().dup();
            n.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
            assertFalse(before.equals(g.params()), a + ": a step changes the parameters");
            assertTrue(Double.isFinite(g.score()), a + ": finite loss");
        }
        // The small stem keeps a small image at full size into the first stage; the ImageNet stem quarters 224.
        ComputationGraph small = (ComputationGraph) net(Architecture.RESNET18, cifar, 10, 1).dl4j();
        assertTrue(small.getConfiguration().getVertices().containsKey("stem-conv"));
        assertFalse(small.getConfiguration().getVertices().containsKey("stem-pool"));
    }

    @Test
    void modelStemOverridesTheStemTheInputSizeWouldChoose() {
        InputShape mid = new InputShape(3, 96, 96);
        for (String architecture : List.of("resnet18", "mobilenet-v2")) {
            long[] last = new long[3];
            for (String stem : List.of("auto", "imagenet", "small")) {
                TrainConfig t = io.sparkcnn.config.JobConfigLoader.load(java.util.Optional.empty(),
                        List.of("model.architecture=" + architecture, "model.stem=" + stem)).train();
                ComputationGraph g = (ComputationGraph) Architectures.build(t, mid, 10, 1).build().dl4j();
                INDArray features = g.feedForward(Nd4j.rand(DataType.FLOAT, 1, 3, 96, 96), false)
                        .get(architecture.equals("resnet18") ? "stage4-block2" : "last-relu6");
                last[List.of("auto", "imagenet", "small").indexOf(stem)] = features.size(2);
            }
            // auto below 128 px is the small stem; the ImageNet stem divides the side by 32 at the last stage.
            assertArrayEquals(new long[] {12, 3, 12}, last, architecture + ": last stage's side for auto, imagenet, small");
        }
        ConfigException wrong = assertThrows(ConfigException.class, () -> io.sparkcnn.config.JobConfigLoader.load(
                java.util.Optional.empty(), List.of("model.stem=cifar")));
        assertEquals("model.stem", wrong.key());
        assertTrue(wrong.getMessage().contains("cifar"), wrong.getMessage());
    }

    @Test
    void seedCnnIsExactlyConvPoolSoftmax() {
        InputShape fashion = new InputShape(1, 28, 28);
        MultiLayerNetwork n = (MultiLayerNetwork) net(Architecture.SEED_CNN, fashion, 10, 1).dl4j();
        assertEquals(3, n.getnLayers());
        ConvolutionLayer conv = assertInstanceOf(ConvolutionLayer.class, n.getLayer(0).conf().getLayer());
        assertEquals(32, conv.getNOut());
        assertArrayEquals(new int[] {3, 3}, conv.getKernelSize());
        assertInstanceOf(SubsamplingLayer.class, n.getLayer(1).conf().getLayer());
        assertInstanceOf(OutputLayer.class, n.getLayer(2).conf().getLayer());
        // conv: 32 x 3x3 + 32 biases; dense softmax: 13x13x32 inputs x 10 + 10.
        assertEquals(32 * 9 + 32 + 13 * 13 * 32 * 10 + 10, n.numParams());
        assertClassifies(Network.of(n), fashion, 10);
    }

    @Test
    void lenetAndDeepCnnClassifyGreyAndColourInputs() {
        InputShape grey = new InputShape(1, 28, 28);
        Network lenet = net(Architecture.LENET, grey, 10, 1);
        assertEquals(156 + 2416 + 48120 + 10164 + 850, lenet.numParams(), "LeNet-5 parameter count");
        assertClassifies(lenet, grey, 10);
        InputShape colour = new InputShape(3, 32, 32);
        assertClassifies(net(Architecture.DEEP_CNN, colour, 4, 1), colour, 4);
        assertClassifies(net(Architecture.SEED_CNN, colour, 3, 1), colour, 3);
    }

    @Test
    void batchNormalisationsAreFollowedByAReLU() {
        // DL4J 1.0.0-M2.1's BatchNormalization ignores its configured activation: the ReLU must be a layer.
        InputShape grey = new InputShape(1, 28, 28);
        INDArray images = Nd4j.rand(DataType.FLOAT, 4, 1, 28, 28);
        MultiLayerNetwork deep = (MultiLayerNetwork) net(Architecture.DEEP_CNN, grey, 10, 1).dl4j();
        List<INDArray> activations = deep.feedForward(images, true);
        int checked = 0;
        for (int i = 0; i < deep.getLayers().length; i++) {
            if (deep.getLayer(i).conf().getLayer() instanceof BatchNormalization) {
                assertTrue(activations.get(i + 1).minNumber().doubleValue() < 0, "layer " + i + " normalises");
                assertTrue(activations.get(i + 2).minNumber().doubleValue() >= 0, "layer " + (i + 1) + " is a ReLU");
                checked++;
            }
        }
        assertEquals(3, checked, "deep-cnn's batch normalisations");
        ComputationGraph resnet = (ComputationGraph) net(Architecture.RESNET, grey, 10, 1).dl4j();
        Map<String, INDArray> vertices = resnet.feedForward(images, true);
        assertTrue(vertices.get("stem-bn").minNumber().doubleValue() < 0, "stem-bn normalises");
        for (String relu : List.of("stem-relu", "block1-relu1", "block2-relu1", "block1", "block2")) {
            assertTrue(vertices.get(relu).minNumber().doubleValue() >= 0, relu + " is a ReLU");
        }
    }

    @Test
    void resnetIsAGraphWithSkipConnections() {
        InputShape grey = new InputShape(1, 28, 28);
        Network n = net(Architecture.RESNET, grey, 10, 1);
        assertTrue(n.isGraph());
        ComputationGraph g = (ComputationGraph) n.dl4j();
        for (String block : List.of("block1-add", "block2-add")) {
            assertInstanceOf(ElementWiseVertex.class, g.getConfiguration().getVertices().get(block), block);
            assertEquals(2, g.getConfiguration().getVertexInputs().get(block).size(), block + " adds two inputs");
        }
        assertEquals(List.of("stem-relu"), g.getConfiguration().getVertexInputs().get("block1-add").subList(1, 2),
                "block 1's shortcut is the identity");
        assertClassifies(n, grey, 10);
        InputShape colour = new InputShape(3, 32, 32);
        assertClassifies(net(Architecture.RESNET, colour, 4, 1), colour, 4);
        assertEquals(n.params(), net(Architecture.RESNET, grey, 10, 1).params(), "seeded");
    }

    @Test
    void theLearningRateFollowsTheConfiguredSchedulePerEpoch() {
        for (LearningRateSchedule schedule : LearningRateSchedule.values()) {
            for (Architecture a : List.of(Architecture.SEED_CNN, Architecture.RESNET)) {
                OptimiserConfig o = new OptimiserConfig(UpdaterKind.ADAM, 0.01, 0.9, schedule, 0.5, 2);
                TrainConfig t = TrainConfig.of(a, UpdaterKind.ADAM, 0.01, 32);
                t = new TrainConfig(a, io.sparkcnn.config.Stem.AUTO, o, 32, t.strategy(), 6, 1, 1, io.sparkcnn.config.AveragingConfig.every(20), 0, 256, io.sparkcnn.config.EarlyStoppingConfig.OFF, null);
                Network n = Architectures.build(t, new InputShape(1, 28, 28), 10, 1).build();
                for (int epoch = 0; epoch < 6; epoch++) {
                    n.setCounters(epoch, epoch * 100 + 7);
                    assertEquals(o.learningRateAt(epoch, 6), n.learningRate(), 1e-12,
                            schedule + " " + a + " epoch " + epoch);
                }
            }
        }
        OptimiserConfig step = new OptimiserConfig(UpdaterKind.ADAM, 0.01, 0.9, LearningRateSchedule.STEP, 0.5, 2);
        assertEquals(0.0025, step.learningRateAt(4, 6), 1e-15);
        assertEquals(0.0025, step.learningRateAt(5, 6), 1e-15);

        OptimiserConfig cosine = new OptimiserConfig(UpdaterKind.ADAM, 0.1, 0.9, LearningRateSchedule.COSINE, 0.5, 2,
                2, 0, 0);
        assertEquals(0.05, cosine.learningRateAt(0, 10), 1e-15, "warm-up");
        assertEquals(0.1, cosine.learningRateAt(1, 10), 1e-15, "warm-up reaches the rate");
        assertEquals(0.1, cosine.learningRateAt(2, 10), 1e-15, "the cosine starts at the top");
        assertEquals(0.05, cosine.learningRateAt(6, 10), 1e-15, "halfway down");
        assertEquals(0.1 * (1 + Math.cos(Math.PI * 7 / 8)) / 2, cosine.learningRateAt(9, 10), 1e-15);
        TrainConfig warm = new TrainConfig(Architecture.SEED_CNN, io.sparkcnn.config.Stem.AUTO, cosine, 32, TrainConfig.of(Architecture.SEED_CNN,
                UpdaterKind.ADAM, 0.1, 32).strategy(), 10, 1, 1, io.sparkcnn.config.AveragingConfig.every(20), 0, 256, io.sparkcnn.config.EarlyStoppingConfig.OFF, null);
        Network n = Architectures.build(warm, new InputShape(1, 28, 28), 10, 1).build();
        for (int epoch = 0; epoch < 10; epoch++) {
            n.setCounters(epoch, epoch * 50);
            assertEquals(cosine.learningRateAt(epoch, 10), n.learningRate(), 1e-12, "cosine with warm-up, epoch " + epoch);
        }
        io.sparkcnn.config.ConfigException tooLong = assertThrows(io.sparkcnn.config.ConfigException.class,
                () -> new TrainConfig(Architecture.SEED_CNN, io.sparkcnn.config.Stem.AUTO, cosine, 32, warm.strategy(), 2, 1, 1, io.sparkcnn.config.AveragingConfig.every(20), 0, 256, io.sparkcnn.config.EarlyStoppingConfig.OFF, null));
        assertEquals("train.warmupEpochs", tooLong.key());
    }

    @Test
    void weightDecayIsDecoupledAndAppliedOnce() {
        InputShape s = new InputShape(1, 28, 28);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 1, 28, 28);
        INDArray y = Nd4j.eye(10).getRows(0, 1, 2, 3, 4, 5, 6, 7).castTo(DataType.FLOAT);
        INDArray[] after = new INDArray[2];
        for (int i = 0; i < 2; i++) {
            OptimiserConfig o = new OptimiserConfig(UpdaterKind.SGD, 0.1, 0.9, LearningRateSchedule.CONSTANT, 0.5, 1, 0,
                    i == 0 ? 0 : 0.01, 0);
            TrainConfig t = new TrainConfig(Architecture.SEED_CNN, io.sparkcnn.config.Stem.AUTO, o, 8, TrainConfig.of(Architecture.SEED_CNN,
                    UpdaterKind.SGD, 0.1, 8).strategy(), 1, 1, 1, io.sparkcnn.config.AveragingConfig.every(20), 0, 256, io.sparkcnn.config.EarlyStoppingConfig.OFF, null);
            Network n = Architectures.build(t, s, 10, 5).build();
            n.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
            after[i] = n.params().dup();
        }
        INDArray before = net(Architecture.SEED_CNN, s, 10, 5).params();
        // The conv layer's parameters: its 32 biases, then its 288 weights. The same gradient step in both runs; the
        // decayed run's weights also lose lr x weightDecay x w (DL4J M2.1 copied the decay into each layer twice).
        for (int j = 32; j < 320; j++) {
            assertEquals(0.1 * 0.01 * before.getDouble(j), after[0].getDouble(j) - after[1].getDouble(j), 1e-7,
                    "conv weight " + (j - 32));
        }
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

    /**
     * The cache mode is an execution setting, not maths: fitting with DL4J's CacheMode.DEVICE (kept activations
     * between forward and backward pass) and with NONE from the same parameters gives identical parameters.
     */
    @Test
    void theCacheModeChangesNoResult() {
        for (Architecture a : List.of(Architecture.SEED_CNN, Architecture.DEEP_CNN)) {
            MultiLayerNetwork built = (MultiLayerNetwork) Architectures.build(TrainConfig.of(a, UpdaterKind.ADAM, 1e-3, 8),
                    new InputShape(1, 28, 28), 3, 7).build().dl4j();
            org.deeplearning4j.nn.conf.MultiLayerConfiguration none = built.getLayerWiseConfigurations().clone();
            none.setCacheMode(org.deeplearning4j.nn.conf.CacheMode.NONE);
            MultiLayerNetwork plain = new MultiLayerNetwork(none);
            plain.init(built.params().dup(), true);
            Network.of(plain); // the same CPU kernels as the built network: only the cache mode differs
            assertEquals(org.deeplearning4j.nn.conf.CacheMode.DEVICE, built.getLayerWiseConfigurations().getCacheMode(),
                    "the project's default (scripts/bench-core.sh: faster training)");
            java.util.Random rng = new java.util.Random(11);
            for (int i = 0; i < 6; i++) {
                float[] pixels = new float[8 * 28 * 28];
                for (int k = 0; k < pixels.length; k++) {
                    pixels[k] = rng.nextFloat();
                }
                INDArray x = Nd4j.createFromArray(pixels).reshape(8, 1, 28, 28);
                INDArray y = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 8, 3);
                for (int r = 0; r < 8; r++) {
                    y.putScalar(r, (r + i) % 3, 1f);
                }
                // The same dropout masks for both (deep-cnn): the global RNG restarts before each fit.
                Nd4j.getRandom().setSeed(100 + i);
                built.fit(x, y);
                Nd4j.getRandom().setSeed(100 + i);
                plain.fit(x, y);
            }
            assertArrayEquals(plain.params().data().asFloat(), built.params().data().asFloat(), 0f, a.configName());
        }
    }

    @Test
    void aFileArchitectureIsTheUsersConfigurationCheckedAgainstTheLake(@org.junit.jupiter.api.io.TempDir
                                                                       java.nio.file.Path tmp) throws Exception {
        InputShape grey = new InputShape(1, 28, 28);
        NetworkSpec written = Architectures.build(TrainConfig.of(Architecture.LENET, UpdaterKind.ADAM, 1e-3, 32), grey,
                4, 9);
        java.nio.file.Path file = java.nio.file.Files.writeString(tmp.resolve("net.json"), written.json());
        io.sparkcnn.config.JobConfig job = io.sparkcnn.config.JobConfigLoader.load(java.util.Optional.empty(),
                java.util.List.of("model.architecture=file:" + file));
        assertEquals(Architecture.FILE, job.train().architecture());
        assertEquals("file:" + file, job.train().architectureName());
        assertTrue(io.sparkcnn.config.JobConfigLoader.values(job).get("model.architecture").contains("file:" + file));
        NetworkSpec built = Architectures.build(job.train(), grey, 4, 1);
        assertEquals(written.json(), built.json(), "the user's configuration as written");
        assertEquals(written.build().numParams(), built.build().numParams());

        io.sparkcnn.config.ConfigException classes = assertThrows(io.sparkcnn.config.ConfigException.class,
                () -> Architectures.build(job.train(), grey, 3, 1));
        assertEquals("model.architecture", classes.key());
        assertTrue(classes.getMessage().contains("has 4 outputs, the lake has 3 classes"), classes.getMessage());
        io.sparkcnn.config.ConfigException shape = assertThrows(io.sparkcnn.config.ConfigException.class,
                () -> Architectures.build(job.train(), new InputShape(3, 32, 32), 4, 1));
        assertTrue(shape.getMessage().contains("does not take 3x32x32"), shape.getMessage());

        java.nio.file.Path junk = java.nio.file.Files.writeString(tmp.resolve("junk.json"), "{\"layers\": 7}");
        io.sparkcnn.config.JobConfig bad = io.sparkcnn.config.JobConfigLoader.load(java.util.Optional.empty(),
                java.util.List.of("model.architecture=file:" + junk));
        io.sparkcnn.config.ConfigException parse = assertThrows(io.sparkcnn.config.ConfigException.class,
                () -> Architectures.checkFile(bad.train()));
        assertTrue(parse.getMessage().contains("junk.json is not a DL4J network configuration"), parse.getMessage());
        io.sparkcnn.config.ConfigException missing = assertThrows(io.sparkcnn.config.ConfigException.class,
                () -> io.sparkcnn.config.JobConfigLoader.load(java.util.Optional.empty(),
                        java.util.List.of("model.architecture=file:" + tmp.resolve("none.json"))));
        assertEquals("model.architecture", missing.key());
        assertThrows(io.sparkcnn.config.ConfigException.class, () -> io.sparkcnn.config.JobConfigLoader.load(
                java.util.Optional.empty(), java.util.List.of("model.architecture=file:")));
    }
}
