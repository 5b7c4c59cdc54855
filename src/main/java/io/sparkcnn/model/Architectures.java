package io.sparkcnn.model;

import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.Settings;
import io.sparkcnn.config.Architecture;
import io.sparkcnn.config.OptimiserConfig;
import io.sparkcnn.config.TrainConfig;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

/**
 * Builds the network configuration of each {@link Architecture} for an input shape and class count, with
 * float parameters, the configured updater and learning-rate schedule, and Xavier initialisation seeded from
 * the job's seed, so that two builds with the same arguments initialise identically.
 */
public final class Architectures {
    private Architectures() {
    }

    public static NetworkSpec build(TrainConfig train, InputShape input, int classes, long seed) {
        if (classes < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + classes);
        }
        if (train.architecture() == Architecture.FILE) {
            return fromFile(train.networkFile(), input, classes);
        }
        NeuralNetConfiguration.Builder base = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(updater(train.optimiser(), train.epochs()))
                .weightInit(WeightInit.XAVIER)
                // Keeps layer activations between the forward and the backward pass instead of recomputing them:
                // the same results (ArchitecturesTest), less work per step.
                .cacheMode(org.deeplearning4j.nn.conf.CacheMode.DEVICE);
        if (train.optimiser().weightDecay() > 0) {
            // DL4J's WeightDecay with the learning rate applied is the decoupled form: w -= lr x coefficient x w
            // after the updater's step.
            base.weightDecay(train.optimiser().weightDecay(), true);
        }
        ComputationGraphConfiguration graph = switch (train.architecture()) {
            case RESNET -> resnet(base, input, classes);
            case RESNET18 -> PhotoNetworks.resnet(base, input, train.stem(), classes, 18);
            case RESNET34 -> PhotoNetworks.resnet(base, input, train.stem(), classes, 34);
            case RESNET50 -> PhotoNetworks.resnet(base, input, train.stem(), classes, 50);
            case MOBILENET_V2 -> PhotoNetworks.mobilenetV2(base, input, train.stem(), classes);
            default -> null;
        };
        if (graph != null) {
            graph.getVertices().values().forEach(v -> {
                if (v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex layer) {
                    onceEach(layer.getLayerConf().getLayer());
                }
            });
            return NetworkSpec.of(graph);
        }
        NeuralNetConfiguration.ListBuilder list = base.list();
        switch (train.architecture()) {
            case SEED_CNN -> seedCnn(list);
            case LENET -> lenet(list);
            case DEEP_CNN -> deepCnn(list);
            default -> throw new IllegalArgumentException("no builder for " + train.architecture());
        }
        list.layer(output(classes));
        org.deeplearning4j.nn.conf.MultiLayerConfiguration layers = list.setInputType(InputType.convolutional(
                input.height(), input.width(), input.channels())).build();
        layers.getConfs().forEach(c -> onceEach(c.getLayer()));
        return NetworkSpec.of(layers);
    }

    /**
     * The network configuration a {@code file:} architecture names, parsed; an error naming model.architecture
     * when it is not a DL4J configuration. Run before Spark starts, so a typo costs no cluster time.
     */
    public static NetworkSpec checkFile(TrainConfig train) {
        return train.networkFile() == null ? null : parse(train.networkFile());
    }

    private static NetworkSpec parse(TrainConfig.NetworkFile file) {
        String json = file.json();
        try {
            if (json.contains("\"vertices\"")) {
                return NetworkSpec.of(ComputationGraphConfiguration.fromJson(json));
            }
            org.deeplearning4j.nn.conf.MultiLayerConfiguration conf =
                    org.deeplearning4j.nn.conf.MultiLayerConfiguration.fromJson(json);
            if (conf.getConfs().isEmpty()) {
                throw new IllegalArgumentException("no layers");
            }
            return NetworkSpec.of(conf);
        } catch (RuntimeException e) {
            throw new ConfigException(Settings.MODEL_ARCHITECTURE.key(), file.path() + " is not a DL4J network "
                    + "configuration (MultiLayerConfiguration or ComputationGraphConfiguration JSON): "
                    + String.valueOf(e.getMessage()).split("\n")[0]);
        }
    }

    /**
     * The user's network for this lake: its output must have one output per class, and a zero image of the
     * input shape must pass through it.
     */
    private static NetworkSpec fromFile(TrainConfig.NetworkFile file, InputShape input, int classes) {
        NetworkSpec spec = parse(file);
        Network network = spec.build();
        org.nd4j.linalg.api.ndarray.INDArray out;
        try {
            out = network.output(org.nd4j.linalg.factory.Nd4j.zeros(network.params().dataType(), 1,
                    input.channels(), input.height(), input.width()));
        } catch (RuntimeException e) {
            throw new ConfigException(Settings.MODEL_ARCHITECTURE.key(), file.path() + " does not take "
                    + input.describe() + " images (data.image.*): " + String.valueOf(e.getMessage()).split("\n")[0]);
        }
        if (out.size(1) != classes) {
            throw new ConfigException(Settings.MODEL_ARCHITECTURE.key(), file.path() + " has " + out.size(1)
                    + " outputs, the lake has " + classes + " classes");
        }
        return spec;
    }

    /**
     * DL4J 1.0.0-M2.1 copies a regularization set on the network builder (weight decay) into each layer twice, so
     * it would be applied twice per step; each layer keeps one of each.
     */
    static void onceEach(org.deeplearning4j.nn.conf.layers.Layer layer) {
        if (layer instanceof org.deeplearning4j.nn.conf.layers.BaseLayer base && base.getRegularization() != null) {
            base.setRegularization(new java.util.ArrayList<>(new java.util.LinkedHashSet<>(base.getRegularization())));
        }
    }

    static IUpdater updater(OptimiserConfig optimiser, int epochs) {
        ISchedule rate = schedule(optimiser, epochs);
        return switch (optimiser.updater()) {
            case ADAM -> rate == null ? new Adam(optimiser.learningRate()) : new Adam(rate);
            case SGD -> rate == null ? new Sgd(optimiser.learningRate()) : new Sgd(rate);
            case NESTEROV -> rate == null ? new Nesterovs(optimiser.learningRate(), optimiser.momentum())
                    : new Nesterovs(rate, optimiser.momentum());
        };
    }

    /** DL4J's schedule for {@link OptimiserConfig#learningRateAt}, per epoch; null for a constant rate. */
    private static ISchedule schedule(OptimiserConfig o, int epochs) {
        return switch (o.schedule()) {
            case CONSTANT -> null;
            case STEP -> new StepSchedule(ScheduleType.EPOCH, o.learningRate(), o.decay(), o.decayEpochs());
            case EXPONENTIAL -> new ExponentialSchedule(ScheduleType.EPOCH, o.learningRate(), o.decay());
            // Spelled out per epoch: DL4J's PolySchedule computes (1 + e / max) ^ power, it grows.
            case LINEAR, COSINE -> {
                MapSchedule.Builder rates = new MapSchedule.Builder(ScheduleType.EPOCH);
                for (int e = 0; e < epochs; e++) {
                    rates.add(e, o.learningRateAt(e, epochs));
                }
                yield rates.build();
            }
        };
    }

    /** Conv 32 3x3 ReLU, max-pool 2x2; the output layer is the dense softmax. */
    private static void seedCnn(NeuralNetConfiguration.ListBuilder list) {
        list.layer(conv(32, 3, ConvolutionMode.Truncate)).layer(maxPool());
    }

    /** LeNet-5 (LeCun et al. 1998) with ReLU and max-pooling, as in most current implementations. */
    private static void lenet(NeuralNetConfiguration.ListBuilder list) {
        list.layer(conv(6, 5, ConvolutionMode.Same)).layer(maxPool())
                .layer(conv(16, 5, ConvolutionMode.Truncate)).layer(maxPool())
                .layer(new DenseLayer.Builder().nOut(120).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(84).activation(Activation.RELU).build());
    }

    /** Three conv blocks (conv, batch normalisation, ReLU, max-pool), then dropout before the dense softmax. */
    private static void deepCnn(NeuralNetConfiguration.ListBuilder list) {
        for (int filters : new int[] {32, 64, 128}) {
            list.layer(linearConv(filters, 3)).layer(batchNorm()).layer(relu()).layer(maxPool());
        }
        list.layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).dropOut(0.5).build());
    }

    /**
     * A small residual net (He et al. 2016): conv stem (16 filters), a residual block with an identity
     * shortcut, max-pool, a residual block of 32 filters whose shortcut is a 1x1 projection, global average
     * pooling and the dense softmax. Skip connections need DL4J's ComputationGraph.
     */
    private static ComputationGraphConfiguration resnet(NeuralNetConfiguration.Builder base, InputShape input,
                                                        int classes) {
        ComputationGraphConfiguration.GraphBuilder g = base.graphBuilder().addInputs("image");
        g.addLayer("stem", linearConv(16, 3), "image").addLayer("stem-bn", batchNorm(), "stem")
                .addLayer("stem-relu", relu(), "stem-bn");
        String block1 = residualBlock(g, "block1", 16, "stem-relu", "stem-relu");
        g.addLayer("pool", maxPool(), block1);
        g.addLayer("block2-shortcut", linearConv(32, 1), "pool");
        String block2 = residualBlock(g, "block2", 32, "pool", "block2-shortcut");
        g.addLayer("global-pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), block2);
        g.addLayer("output", output(classes), "global-pool");
        return g.setOutputs("output")
                .setInputTypes(InputType.convolutional(input.height(), input.width(), input.channels()))
                .build();
    }

    /** conv-BN-ReLU-conv-BN, added to {@code shortcut}, then ReLU; returns the block's output vertex. */
    private static String residualBlock(ComputationGraphConfiguration.GraphBuilder g, String name, int filters,
                                        String in, String shortcut) {
        g.addLayer(name + "-conv1", linearConv(filters, 3), in)
                .addLayer(name + "-bn1", batchNorm(), name + "-conv1")
                .addLayer(name + "-relu1", relu(), name + "-bn1")
                .addLayer(name + "-conv2", linearConv(filters, 3), name + "-relu1")
                .addLayer(name + "-bn2", batchNorm(), name + "-conv2")
                .addVertex(name + "-add", new ElementWiseVertex(ElementWiseVertex.Op.Add), name + "-bn2", shortcut)
                .addLayer(name, relu(), name + "-add");
        return name;
    }

    private static OutputLayer output(int classes) {
        return new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
                .nOut(classes).activation(Activation.SOFTMAX).build();
    }

    private static ConvolutionLayer conv(int filters, int kernel, ConvolutionMode mode) {
        return new ConvolutionLayer.Builder(kernel, kernel).nOut(filters).convolutionMode(mode)
                .activation(Activation.RELU).build();
    }

    /** A convolution without activation, for a batch normalisation to follow. */
    private static ConvolutionLayer linearConv(int filters, int kernel) {
        return new ConvolutionLayer.Builder(kernel, kernel).nOut(filters).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.IDENTITY).build();
    }

    /**
     * Batch normalisation alone: DL4J 1.0.0-M2.1's BatchNormalization layer ignores the activation it is
     * configured with (it returns the normalised values), so the ReLU after it is a layer of its own.
     */
    private static BatchNormalization batchNorm() {
        return new BatchNormalization.Builder().build();
    }

    private static ActivationLayer relu() {
        return new ActivationLayer.Builder().activation(Activation.RELU).build();
    }

    private static SubsamplingLayer maxPool() {
        return new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build();
    }
}
