package io.sparkcnn.kernels;

import io.sparkcnn.config.Architecture;
import io.sparkcnn.config.Settings;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.config.UpdaterKind;
import io.sparkcnn.model.Architectures;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.Network;
import io.sparkcnn.model.NetworkSpec;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU kernels change how a network runs, never what it computes: every architecture, and convolutions of
 * every geometry DL4J supports (stride, padding, dilation, Same mode, several channels, no bias, non-square
 * kernels), give DL4J's own outputs, loss and gradients to float rounding, and train to the same parameters.
 * "DL4J's own" is the same configuration and parameters in a network built without {@link Network#of}.
 */
class CpuKernelsTest {
    /** Float rounding over sums of a few thousand terms, relative to the array's largest magnitude. */
    private static final double TOLERANCE = 2e-5;
    /**
     * A gradient within this fraction of the network's largest is 0 but for rounding (float epsilon is 1.2e-7;
     * sums of a few thousand terms round to a few dozen of it).
     */
    private static final double ZERO_GRADIENT = 1e-6;
    /** How much further from the exact gradient than DL4J's float one the kernels' may be (see inaccuracy). */
    private static final double SAME_ORDER = 4;
    private static final long FIRST_BATCH = 5;
    /** How many batches on which a ReLU flips on rounding (see reluFlip) the gradient check passes over. */
    private static final int FLIPPING_BATCHES = 3;

    static DataSet batch(InputShape shape, int classes, int size, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray features = Nd4j.rand(DataType.FLOAT, size, shape.channels(), shape.height(), shape.width());
        INDArray labels = Nd4j.zeros(DataType.FLOAT, size, classes);
        for (int i = 0; i < size; i++) {
            labels.putScalar(i, (i * 7 + 3) % classes, 1f);
        }
        return new DataSet(features, labels);
    }

    /** The same network twice: DL4J's execution, and with CpuKernels installed (network: fast's wrapper). */
    record Pair(Model stock, Model fast, Network network) {
        static Pair of(NetworkSpec spec) {
            Network fast = spec.build();
            // Biases start at 0: move every parameter a little so that a lost bias term shows. The noise is centred:
            // a positive shift of every weight would grow the activations of a 34-layer net past float range.
            Nd4j.getRandom().setSeed(17);
            fast.setParams(fast.params().add(Nd4j.rand(DataType.FLOAT, fast.params().shape()).subi(0.5).muli(0.1)));
            Model stock;
            if (spec.graph()) {
                ComputationGraph g = new ComputationGraph(ComputationGraphConfiguration.fromJson(spec.json()));
                g.init(fast.params().dup(), true);
                stock = g;
            } else {
                MultiLayerNetwork n = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(spec.json()));
                n.init(fast.params().dup(), true);
                stock = n;
            }
            return new Pair(stock, fast.dl4j(), fast);
        }
    }

    private static boolean sameMemory(INDArray a, INDArray b) {
        return a.data().address() == b.data().address() && a.offset() == b.offset();
    }

    static Layer[] layers(Model m) {
        return m instanceof ComputationGraph g ? g.getLayers() : ((MultiLayerNetwork) m).getLayers();
    }

    static Object field(Object layer, Class<?> owner, String name) throws ReflectiveOperationException {
        Field f = owner.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(layer);
    }

    static INDArray output(Model m, INDArray features) {
        return m instanceof ComputationGraph g ? g.outputSingle(false, features)
                : ((MultiLayerNetwork) m).output(features, false);
    }

    /** Loss and flattened gradient of one batch, with the global RNG reseeded so that dropout masks agree. */
    static INDArray gradient(Model m, DataSet d, double[] loss) {
        Nd4j.getRandom().setSeed(99);
        if (m instanceof ComputationGraph g) {
            g.setInputs(d.getFeatures());
            g.setLabels(d.getLabels());
            g.computeGradientAndScore();
            loss[0] = g.score();
            return g.gradient().gradient().dup();
        }
        MultiLayerNetwork n = (MultiLayerNetwork) m;
        n.setInput(d.getFeatures());
        n.setLabels(d.getLabels());
        n.computeGradientAndScore();
        loss[0] = n.score();
        return n.gradient().gradient().dup();
    }

    static void assertClose(INDArray expected, INDArray actual, String what) {
        double scale = Math.max(1e-3, expected.amaxNumber().doubleValue());
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff <= TOLERANCE * scale, what + ": largest difference " + diff + " against largest value "
                + scale);
    }

    /** Loss and each parameter's gradient (layer_param, in the flattened order) of one batch, like {@link #gradient}. */
    static Map<String, INDArray> gradientsByParameter(Model m, DataSet d, double[] loss) {
        gradient(m, d, loss);
        org.deeplearning4j.nn.gradient.Gradient g = m instanceof ComputationGraph graph ? graph.gradient()
                : ((MultiLayerNetwork) m).gradient();
        Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        g.gradientForVariable().forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }

    /**
     * Each parameter's gradient from the kernels equals DL4J's to float rounding, measured against that
     * parameter's own largest gradient (a deep net's early layers have gradients far smaller than its last
     * ones: against the largest of all, an error there would hide). Where the two float computations round
     * apart beyond {@link #TOLERANCE} (ResNet-50, MobileNetV2: batch norm over few values amplifies rounding),
     * the kernels' gradient must be within {@value #SAME_ORDER} times the distance of DL4J's own float gradient
     * from the gradient DL4J computes in double precision (the same order of accuracy: which of two summation
     * orders rounds closer is chance, and 2x failed on one CPU's layout alone), element by element or, where a
     * ReLU's mask flipped on rounding, over the whole array. A wrong term is far from both, at the scale of the
     * gradient itself. Returns the first parameter whose gradient is not, described, or null.
     */
    static String inaccuracy(NetworkSpec spec, Pair p, DataSet d, Map<String, INDArray> stock,
                             Map<String, INDArray> fast, String what) {
        double largest = 0;
        for (INDArray g : stock.values()) {
            largest = Math.max(largest, g.amaxNumber().doubleValue());
        }
        Map<String, Double> scales = new java.util.LinkedHashMap<>();
        List<String> apart = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : stock.entrySet()) {
            double scale = Math.max(Math.max(1e-6, 1e-4 * largest), e.getValue().amaxNumber().doubleValue());
            scales.put(e.getKey(), scale);
            if (e.getValue().sub(fast.get(e.getKey())).amaxNumber().doubleValue() > TOLERANCE * scale) {
                apart.add(e.getKey());
            }
        }
        if (apart.isEmpty()) {
            return null;
        }
        Map<String, INDArray> reference = gradientsByParameter(exact(spec, p), inDouble(d), new double[1]);
        for (String key : apart) {
            INDArray exactGradient = reference.get(key);
            double stockError = stock.get(key).castTo(DataType.DOUBLE).sub(exactGradient).amaxNumber().doubleValue();
            double fastError = fast.get(key).castTo(DataType.DOUBLE).sub(exactGradient).amaxNumber().doubleValue();
            // Zero in exact arithmetic (a convolution's bias just before batch norm, whose mean removes it): both
            // float paths give nothing but rounding noise, of the same order (within 4x) or below the network's
            // scale; a wrong term would give a gradient of the scale of the others.
            double exactSize = exactGradient.amaxNumber().doubleValue();
            double noise = exactSize <= ZERO_GRADIENT * largest ? Math.max(ZERO_GRADIENT * largest, 4 * stockError)
                    : 0;
            if (fastError <= Math.max(noise, SAME_ORDER * stockError + TOLERANCE * scales.get(key))) {
                continue;
            }
            // A ReLU whose input is within rounding of 0 passes or stops its gradient depending on the rounding:
            // one element then differs by a whole term in one float path and not the other. Over the whole array
            // (its Frobenius norm) the kernels' gradient must still be as close to the exact one as DL4J's.
            double exactNorm = exactGradient.norm2Number().doubleValue();
            double stockNorm = stock.get(key).castTo(DataType.DOUBLE).sub(exactGradient).norm2Number().doubleValue();
            double fastNorm = fast.get(key).castTo(DataType.DOUBLE).sub(exactGradient).norm2Number().doubleValue();
            if (fastNorm > SAME_ORDER * stockNorm + TOLERANCE * exactNorm) {
                return what + " " + key + " (exact gradient up to " + exactSize + "): " + fastError
                        + " from the double-precision gradient, DL4J's float path " + stockError + " (largest value "
                        + scales.get(key) + "); over the array " + fastNorm + " against DL4J's " + stockNorm
                        + " (norm " + exactNorm + ")";
            }
        }
        return null;
    }

    /** The stock network in double precision, with its parameters. */
    static Model exact(NetworkSpec spec, Pair p) {
        if (spec.graph()) {
            ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(spec.json());
            conf.setDataType(DataType.DOUBLE);
            ComputationGraph g = new ComputationGraph(conf);
            g.init(((ComputationGraph) p.stock()).params().castTo(DataType.DOUBLE), true);
            return g;
        }
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(spec.json());
        conf.setDataType(DataType.DOUBLE);
        MultiLayerNetwork n = new MultiLayerNetwork(conf);
        n.init(((MultiLayerNetwork) p.stock()).params().castTo(DataType.DOUBLE), true);
        return n;
    }

    static DataSet inDouble(DataSet d) {
        return new DataSet(d.getFeatures().castTo(DataType.DOUBLE), d.getLabels().castTo(DataType.DOUBLE));
    }

    /** Every layer's (or vertex's) training activations, by name. */
    static Map<String, INDArray> trainingActivations(Model m, INDArray features) {
        Nd4j.getRandom().setSeed(99); // the same dropout masks
        if (m instanceof ComputationGraph g) {
            return g.feedForward(features, true);
        }
        Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        List<INDArray> list = ((MultiLayerNetwork) m).feedForward(features, true);
        for (int i = 0; i < list.size(); i++) {
            out.put(String.valueOf(i), list.get(i));
        }
        return out;
    }

    /**
     * Where a float path's training activations hold 0 (a ReLU that stopped) and the double-precision network's
     * do not, or the reverse: the first such layer and element, or null. A ReLU whose input is within rounding
     * of 0 passes or stops its gradient depending on the rounding, and the gradient of every layer before it
     * then differs by a whole term: on such a batch no float path is comparable with the exact gradient.
     */
    static String reluFlip(NetworkSpec spec, Pair p, DataSet d) {
        Map<String, INDArray> exact = trainingActivations(exact(spec, p), inDouble(d).getFeatures());
        for (Model m : List.of(p.stock(), p.fast())) {
            Map<String, INDArray> rounded = trainingActivations(m, d.getFeatures());
            for (Map.Entry<String, INDArray> e : exact.entrySet()) {
                INDArray r = rounded.get(e.getKey());
                if (r == null || !java.util.Arrays.equals(r.shape(), e.getValue().shape())) {
                    continue;
                }
                double[] x = e.getValue().dup('c').reshape(r.length()).toDoubleVector();
                double[] y = r.castTo(DataType.DOUBLE).dup('c').reshape(r.length()).toDoubleVector();
                for (int i = 0; i < x.length; i++) {
                    if ((x[i] == 0) != (y[i] == 0)) {
                        return e.getKey() + "[" + i + "]: " + x[i] + " in double precision, " + y[i] + " in "
                                + (m == p.stock() ? "DL4J's" : "the kernels'") + " float path";
                    }
                }
            }
        }
        return null;
    }

    static void assertSameMaths(NetworkSpec spec, InputShape shape, int classes, String what)
            throws ReflectiveOperationException {
        Pair p = Pair.of(spec);
        DataSet d = batch(shape, classes, 6, FIRST_BATCH);
        assertClose(output(p.stock, d.getFeatures()), output(p.fast, d.getFeatures()), what + " output");
        if (p.stock instanceof MultiLayerNetwork stock) {
            // Every layer's activations, including the parts no later layer reads (an odd last row that no
            // 2x2 pooling window covers).
            for (boolean training : new boolean[] {false, true}) {
                Nd4j.getRandom().setSeed(99); // the same dropout masks
                List<INDArray> expected = stock.feedForward(d.getFeatures(), training);
                Nd4j.getRandom().setSeed(99);
                List<INDArray> actual = ((MultiLayerNetwork) p.fast).feedForward(d.getFeatures(), training);
                for (int i = 0; i < expected.size(); i++) {
                    if (!training && i + 1 < expected.size() && sameMemory(expected.get(i), expected.get(i + 1))) {
                        // DL4J's activation layer in inference applies its function in place, to the array the
                        // layer before returned: DL4J's list shows that layer's output activated, spark-cnn's
                        // layer does not write into its input. The activated values are compared at i + 1.
                        continue;
                    }
                    assertClose(expected.get(i), actual.get(i), what + " activations " + i
                            + (training ? " (training)" : ""));
                }
            }
        }
        // A batch on which a ReLU flips on rounding says nothing of the gradients before it: the next batch.
        for (long seed = FIRST_BATCH; ; seed++) {
            double[] stockLoss = new double[1];
            double[] fastLoss = new double[1];
            Map<String, INDArray> stockGradient = gradientsByParameter(p.stock, d, stockLoss);
            Map<String, INDArray> fastGradient = gradientsByParameter(p.fast, d, fastLoss);
            assertEquals(stockLoss[0], fastLoss[0], 1e-5 * Math.max(1, stockLoss[0]), what + " loss");
            String inaccuracy = inaccuracy(spec, p, d, stockGradient, fastGradient, what + " gradient");
            if (inaccuracy == null) {
                break;
            }
            String flip = reluFlip(spec, p, d);
            assertTrue(flip != null && seed < FIRST_BATCH + FLIPPING_BATCHES, inaccuracy
                    + (flip == null ? "" : " (a ReLU flipped on rounding on each of " + FLIPPING_BATCHES
                    + " batches, the last at " + flip + ")"));
            d = batch(shape, classes, 6, seed + 1);
        }
        int convolutions = 0;
        boolean fused = !"false".equals(System.getProperty(CpuKernels.FUSED_LAYERS_PROPERTY));
        for (Layer layer : layers(p.fast)) {
            if (layer instanceof org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer
                    && ((SubsamplingLayer) layer.conf().getLayer()).getPoolingType()
                    == org.deeplearning4j.nn.conf.layers.PoolingType.MAX) {
                Class<?> owner = org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer.class;
                assertInstanceOf(MaxPooling.class, field(layer, owner, "helper"), what);
                assertEquals(0, field(layer, owner, "helperCountFail"), what + ": pooling helper failures");
                if (p.fast instanceof MultiLayerNetwork && fused) {
                    assertInstanceOf(HelpedSubsamplingLayer.class, layer, what + ": forward pooling by the helper");
                }
            }
            if (layer instanceof org.deeplearning4j.nn.layers.convolution.DepthwiseConvolution2DLayer
                    && OneDnn.available()) {
                assertInstanceOf(DepthwiseConvolutionLayer.class, layer, what + ": depthwise layer by oneDNN");
            }
            if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                Class<?> owner = org.deeplearning4j.nn.layers.normalization.BatchNormalization.class;
                assertInstanceOf(BatchNormKernel.class, field(layer, owner, "helper"), what);
                assertEquals(0, field(layer, owner, "helperCountFail"), what + ": batch-norm helper failures");
            }
            if (layer.getClass() == org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class
                    || layer instanceof FusedConvolutionLayer) {
                convolutions++;
                Class<?> owner = org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class;
                assertInstanceOf(Im2colConvolution.class, field(layer, owner, "helper"), what);
                // DL4J falls back to its own code (and counts it) when a helper throws: that must not happen.
                assertEquals(0, field(layer, owner, "helperCountFail"), what + ": helper failures");
                var activation = ((ConvolutionLayer) layer.conf().getLayer()).getActivationFn();
                if (p.fast instanceof MultiLayerNetwork && fused && (activation instanceof DenseReLU
                        || activation instanceof org.nd4j.linalg.activations.impl.ActivationIdentity)) {
                    assertInstanceOf(FusedConvolutionLayer.class, layer, what + ": bias and "
                            + activation + " fused");
                }
            }
        }
        assertTrue(convolutions > 0, what + " has convolutions with the helper");
        if (p.fast instanceof MultiLayerNetwork fast && fused) {
            Layer stockOutput = ((MultiLayerNetwork) p.stock).getOutputLayer();
            if (stockOutput instanceof org.deeplearning4j.nn.layers.OutputLayer o
                    && FusedOutputLayer.canReplace(o, DataType.FLOAT)) {
                assertInstanceOf(FusedOutputLayer.class, fast.getOutputLayer(), what + ": fused output layer");
            }
            assertInstanceOf(CpuUpdater.class, fast.getUpdater(), what + ": updater");
        }
    }

    @Test
    void everyArchitectureComputesWhatDl4jComputes() throws ReflectiveOperationException {
        InputShape grey = new InputShape(1, 28, 28);
        InputShape colour = new InputShape(3, 32, 32);
        InputShape small = new InputShape(3, 16, 16);
        for (Architecture a : Architecture.values()) {
            if (a == Architecture.FILE) {
                continue; // a network the user wrote: whatever its layers are, they are checked here one by one
            }
            // The photo networks are deep: one small colour input keeps the default suite fast.
            boolean photo = a.ordinal() >= Architecture.RESNET18.ordinal();
            for (InputShape shape : photo ? List.of(small) : List.of(grey, colour)) {
                NetworkSpec spec = Architectures.build(TrainConfig.of(a, UpdaterKind.ADAM, 1e-3, 32), shape, 5, 11);
                assertSameMaths(spec, shape, 5, a.configName() + " on " + shape.describe());
            }
        }
    }

    /** The given layers, then a softmax over 3 classes, on {@code shape}: seed 3, float, Adam 1e-2. */
    static NetworkSpec network(InputShape shape, org.deeplearning4j.nn.conf.layers.Layer... layers) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.FLOAT).updater(new Adam(1e-2)).list();
        for (org.deeplearning4j.nn.conf.layers.Layer layer : layers) {
            list.layer(layer);
        }
        return NetworkSpec.of(list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
                        .nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(shape.height(), shape.width(), shape.channels())).build());
    }

    /** conv(4, 3x3 Same, tanh: no ties), for a layer under test to follow. */
    private static ConvolutionLayer tanhConvolution() {
        return new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                .activation(Activation.TANH).build();
    }

    /** conv(4, 3x3 Same) -> the convolution under test -> softmax, so its input gradient is checked too. */
    private static NetworkSpec twoConvolutions(ConvolutionLayer.Builder second, InputShape shape) {
        return network(shape, tanhConvolution(), second.nOut(5).activation(Activation.RELU).build());
    }

    @Test
    void everyConvolutionGeometryComputesWhatDl4jComputes() throws ReflectiveOperationException {
        assertEveryConvolutionGeometry();
        // oneDNN ran both convolutions (the default where its library loads, as on every platform the build ships
        // natives for), the first of 2 input channels too.
        InputShape shape = new InputShape(2, 11, 9);
        Model net = twoConvolutions(new ConvolutionLayer.Builder(3, 3), shape).build().dl4j();
        output(net, batch(shape, 3, 4, 1).getFeatures());
        Object first = field(layers(net)[0], org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class,
                "helper");
        Object second = field(layers(net)[1], FusedConvolutionLayer.class, "convolution");
        assertEquals(1, oneDnnPlans(first));
        assertEquals(1, oneDnnPlans(second));
        System.setProperty(Settings.ONEDNN_THIN_CONVOLUTIONS.name(), "false");
        try {
            Model switched = twoConvolutions(new ConvolutionLayer.Builder(3, 3), shape).build().dl4j();
            output(switched, batch(shape, 3, 4, 1).getFeatures());
            assertEquals(0, oneDnnPlans(field(layers(switched)[0],
                    org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class, "helper")));
            assertEquals(1, oneDnnPlans(field(layers(switched)[1], FusedConvolutionLayer.class, "convolution")));
        } finally {
            System.clearProperty(Settings.ONEDNN_THIN_CONVOLUTIONS.name());
        }
        // The seed CNN's one-channel ReLU convolution, max-pooled within its layer, stays with im2col, in
        // inference and training.
        InputShape grey = new InputShape(1, 28, 28);
        Network seed = Architectures.build(TrainConfig.of(Architecture.SEED_CNN, UpdaterKind.ADAM, 1e-3, 32), grey,
                5, 11).build();
        DataSet d = batch(grey, 5, 4, 1);
        seed.output(d.getFeatures());
        seed.fit(d);
        Layer conv = layers(seed.dl4j())[0];
        assertInstanceOf(FusedConvolutionLayer.class, conv);
        assertEquals(0, oneDnnPlans(field(conv, FusedConvolutionLayer.class, "convolution")));
    }

    private static int oneDnnPlans(Object im2col) throws ReflectiveOperationException {
        return ((Map<?, ?>) field(field(im2col, Im2colConvolution.class, "oneDnn"), OneDnnConvolution.class,
                "plans")).size();
    }

    /**
     * Inference batches of every size give DL4J's outputs, and a layer compiles oneDNN primitives for the
     * power-of-two chunks only (a server's batches come in every size).
     */
    @Test
    void inferenceOfEveryBatchSizeRunsInPowerOfTwoChunks() throws ReflectiveOperationException {
        InputShape grey = new InputShape(1, 28, 28);
        Pair p = Pair.of(Architectures.build(TrainConfig.of(Architecture.DEEP_CNN, UpdaterKind.ADAM, 1e-3, 32),
                grey, 5, 11));
        for (int n = 1; n <= 11; n++) {
            INDArray x = batch(grey, 5, n, n).getFeatures();
            assertClose(output(p.stock, x), output(p.fast, x), "deep-cnn inference of " + n + " images");
        }
        // Layer 4: the convolution of 32 channels (the first, of 1 channel, runs im2col).
        Object convolution = field(layers(p.fast)[4], FusedConvolutionLayer.class, "convolution");
        Map<?, ?> plans = (Map<?, ?>) field(field(convolution, Im2colConvolution.class, "oneDnn"),
                OneDnnConvolution.class, "plans");
        assertEquals(4, plans.size(), "primitives for 1, 2, 4 and 8 images: " + plans.keySet());
    }

    /** oneDNN switched off (the fallback where its library does not load): im2col, pooling and batch norm in Java. */
    @Test
    void withoutOneDnnEveryKernelComputesWhatDl4jComputes() throws ReflectiveOperationException {
        System.setProperty(Settings.ONEDNN.name(), "false");
        try {
            NetworkSpec spec = twoConvolutions(new ConvolutionLayer.Builder(3, 3), new InputShape(2, 11, 9));
            Object helper = field(layers(spec.build().dl4j())[1], FusedConvolutionLayer.class, "convolution");
            assertNull(field(helper, Im2colConvolution.class, "oneDnn"));
            assertEveryConvolutionGeometry();
            assertSameMaths(network(new InputShape(2, 12, 10), new ConvolutionLayer.Builder(3, 3).nOut(4)
                    .activation(Activation.RELU).build(), new SubsamplingLayer.Builder(2, 2).stride(2, 2).build()),
                    new InputShape(2, 12, 10), 3, "im2col: relu convolution into pooling");
            assertEveryMaxPoolingGeometry();
            assertTiesBrokenAsDl4jDoes();
            InputShape grey = new InputShape(1, 28, 28);
            assertSameMaths(Architectures.build(TrainConfig.of(Architecture.DEEP_CNN, UpdaterKind.ADAM, 1e-3, 32),
                    grey, 5, 11), grey, 5, "deep-cnn without oneDNN (batch normalisation in Java)");
        } finally {
            System.clearProperty(Settings.ONEDNN.name());
        }
    }

    private static void assertEveryConvolutionGeometry() throws ReflectiveOperationException {
        InputShape shape = new InputShape(2, 11, 9);
        List<Object[]> cases = new ArrayList<>();
        cases.add(new Object[] {"3x3 truncate", new ConvolutionLayer.Builder(3, 3)});
        cases.add(new Object[] {"stride 2", new ConvolutionLayer.Builder(3, 3).stride(2, 2)});
        cases.add(new Object[] {"padding 1", new ConvolutionLayer.Builder(3, 3).padding(1, 2)});
        cases.add(new Object[] {"dilation 2", new ConvolutionLayer.Builder(3, 3).dilation(2, 2)});
        cases.add(new Object[] {"same, stride 2", new ConvolutionLayer.Builder(3, 3).stride(2, 2)
                .convolutionMode(ConvolutionMode.Same)});
        cases.add(new Object[] {"5x2 kernel, stride 1x2", new ConvolutionLayer.Builder(5, 2).stride(1, 2)});
        cases.add(new Object[] {"1x1", new ConvolutionLayer.Builder(1, 1)});
        cases.add(new Object[] {"no bias", new ConvolutionLayer.Builder(3, 3).hasBias(false)});
        for (Object[] c : cases) {
            assertSameMaths(twoConvolutions((ConvolutionLayer.Builder) c[1], shape), shape, 3, (String) c[0]);
        }
        // No activation: oneDNN computes the bias gradient with the weights' (a ReLU's mask is applied in Java).
        assertSameMaths(network(shape, tanhConvolution(), new ConvolutionLayer.Builder(3, 3).nOut(5)
                .activation(Activation.IDENTITY).build()), shape, 3, "linear convolution");
    }

    /** conv(4, 3x3 Same, tanh: no ties) -> the max pooling under test -> softmax. */
    private static NetworkSpec convolutionThenPooling(SubsamplingLayer.Builder pooling, InputShape shape) {
        return network(shape, tanhConvolution(), pooling.poolingType(SubsamplingLayer.PoolingType.MAX).build());
    }

    @Test
    void everyMaxPoolingGeometryComputesWhatDl4jComputes() throws ReflectiveOperationException {
        assertEveryMaxPoolingGeometry();
    }

    private static void assertEveryMaxPoolingGeometry() throws ReflectiveOperationException {
        InputShape shape = new InputShape(2, 11, 9);
        List<Object[]> cases = new ArrayList<>();
        cases.add(new Object[] {"2x2 stride 2", new SubsamplingLayer.Builder(2, 2).stride(2, 2)});
        cases.add(new Object[] {"3x3 stride 2", new SubsamplingLayer.Builder(3, 3).stride(2, 2)});
        cases.add(new Object[] {"3x3 stride 1 padding 1", new SubsamplingLayer.Builder(3, 3).stride(1, 1)
                .padding(1, 1)});
        cases.add(new Object[] {"same, 3x3 stride 2", new SubsamplingLayer.Builder(3, 3).stride(2, 2)
                .convolutionMode(ConvolutionMode.Same)});
        cases.add(new Object[] {"2x3 stride 1x2", new SubsamplingLayer.Builder(2, 3).stride(1, 2)});
        for (Object[] c : cases) {
            assertSameMaths(convolutionThenPooling((SubsamplingLayer.Builder) c[1], shape), shape, 3,
                    (String) c[0]);
        }
    }

    /**
     * A ReLU convolution straight into 2x2 max pooling: the convolution pools (FusedMaxPooling) and the
     * pooling's gradient carries the ReLU's; even and odd output sizes (an odd last row or column is in no
     * window), several channels, with and without bias.
     */
    @Test
    void reluConvolutionIntoPoolingComputesWhatDl4jComputes() throws ReflectiveOperationException {
        for (InputShape shape : List.of(new InputShape(2, 12, 10), new InputShape(3, 11, 9),
                new InputShape(1, 10, 9))) {
            for (boolean bias : new boolean[] {true, false}) {
                NetworkSpec spec = network(shape, new ConvolutionLayer.Builder(3, 3).nOut(4).hasBias(bias)
                        .activation(Activation.RELU).build(), new SubsamplingLayer.Builder(2, 2).stride(2, 2).build());
                String what = "relu convolution into pooling, " + shape.describe() + (bias ? "" : ", no bias");
                assertSameMaths(spec, shape, 3, what);
                // The fast path ran: the pooling layer took the convolution's pooled output and gave the
                // convolution its gradient (the check above would pass on DL4J's path too).
                Pair p = Pair.of(spec);
                DataSet d = batch(shape, 3, 4, 9);
                gradient(p.stock, d, new double[1]);
                INDArray stockBias = ((MultiLayerNetwork) p.stock).gradient().getGradientFor("0_b");
                // Last: what the fast network leaves in DL4J's (thread-wide) workspaces is read below.
                gradient(p.fast, d, new double[1]);
                Layer pooling = layers(p.fast)[1];
                assertTrue((Boolean) field(pooling, HelpedSubsamplingLayer.class, "inputPooled"), what);
                FusedMaxPooling fused = (FusedMaxPooling) field(pooling, HelpedSubsamplingLayer.class, "fused");
                INDArray given = (INDArray) field(fused, FusedMaxPooling.class, "gradient");
                assertTrue(fused.gave(given), what + ": gradient given");
                if (bias) {
                    // The full-size gradient DL4J's path would get (spread) sums to DL4J's bias gradient.
                    INDArray full = fused.spread(given, LayerWorkspaceMgr.noWorkspaces());
                    assertArrayEquals(new long[] {4, 4, shape.height() - 2, shape.width() - 2}, full.shape());
                    assertClose(stockBias.reshape(4), full.sum(0, 2, 3), what + ": spread gradient's sums");
                }
            }
        }
    }

    /** A network restored with its Adam state keeps that state through the kernels' install. */
    @Test
    void aRestoredNetworkKeepsItsUpdaterState() throws java.io.IOException {
        InputShape grey = new InputShape(1, 28, 28);
        NetworkSpec spec = Architectures.build(TrainConfig.of(Architecture.SEED_CNN, UpdaterKind.ADAM, 1e-3, 32),
                grey, 10, 7);
        MultiLayerNetwork trained = (MultiLayerNetwork) spec.build().dl4j();
        for (int step = 0; step < 3; step++) {
            trained.fit(batch(grey, 10, 16, 40 + step));
        }
        java.io.ByteArrayOutputStream saved = new java.io.ByteArrayOutputStream();
        org.deeplearning4j.util.ModelSerializer.writeModel(trained, saved, true);
        MultiLayerNetwork stock = org.deeplearning4j.util.ModelSerializer.restoreMultiLayerNetwork(
                new java.io.ByteArrayInputStream(saved.toByteArray()), true);
        MultiLayerNetwork restored = org.deeplearning4j.util.ModelSerializer.restoreMultiLayerNetwork(
                new java.io.ByteArrayInputStream(saved.toByteArray()), true);
        MultiLayerNetwork fast = (MultiLayerNetwork) Network.of(restored).dl4j();
        assertEquals(stock.getUpdater().getStateViewArray(), fast.getUpdater().getStateViewArray(),
                "Adam's moments after the install");
        assertInstanceOf(FusedConvolutionLayer.class, fast.getLayer(0));
        DataSet d = batch(grey, 10, 16, 50);
        stock.fit(d);
        fast.fit(d);
        double drift = stock.params().sub(fast.params()).amaxNumber().doubleValue();
        assertTrue(drift < 1e-5, "a step from the restored state differs by " + drift);
        assertTrue(stock.getUpdater().getStateViewArray().equalsWithEps(fast.getUpdater().getStateViewArray(),
                1e-5), "Adam's moments after a step");
    }

    @Test
    void maxPoolingBreaksTiesAsDl4jDoes() {
        assertTiesBrokenAsDl4jDoes();
    }

    private static void assertTiesBrokenAsDl4jDoes() {
        // A 3x3 convolution that copies its input (1 at the centre) feeds pooling windows full of ties; the
        // copy's weight gradient reads the neighbours of whichever input took each window's gradient.
        InputShape shape = new InputShape(1, 8, 10);
        // With ReLU the 2x2 pooling is the convolution's (FusedMaxPooling); with identity it is MaxPooling's.
        for (Activation activation : List.of(Activation.IDENTITY, Activation.RELU))
        for (int[] window : new int[][] {{2, 2}, {3, 3}}) {
            MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                    .list()
                    .layer(new ConvolutionLayer.Builder(3, 3).nOut(1).convolutionMode(ConvolutionMode.Same)
                            .activation(activation).build())
                    .layer(new SubsamplingLayer.Builder(window[0], window[1]).stride(2, 2).build())
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD).nOut(3)
                            .activation(Activation.SOFTMAX).build())
                    .setInputType(InputType.convolutional(8, 10, 1)).build();
            Pair p = Pair.of(NetworkSpec.of(conf));
            INDArray copy = Nd4j.zeros(DataType.FLOAT, 1, 1, 3, 3).putScalar(new int[] {0, 0, 1, 1}, 1f);
            for (Model m : List.of(p.stock, p.fast)) {
                ((MultiLayerNetwork) m).getLayer(0).setParam("W", copy);
                ((MultiLayerNetwork) m).getLayer(0).setParam("b", Nd4j.zeros(DataType.FLOAT, 1, 1));
            }
            DataSet d = batch(shape, 3, 6, 5);
            d.setFeatures(Transforms.floor(d.getFeatures().mul(3)));
            double[] loss = new double[2];
            INDArray stock = gradient(p.stock, d, loss);
            INDArray fast = gradient(p.fast, d, loss);
            assertEquals(0, stock.sub(fast).amaxNumber().doubleValue(), 1e-5, "gradients, window " + window[0]
                    + ", " + activation);
        }
    }

    @Test
    void trainingFollowsDl4jsTrajectory() {
        InputShape grey = new InputShape(1, 28, 28);
        NetworkSpec spec = Architectures.build(TrainConfig.of(Architecture.SEED_CNN, UpdaterKind.ADAM, 1e-3, 32),
                grey, 10, 7);
        Pair p = Pair.of(spec);
        MultiLayerNetwork stock = (MultiLayerNetwork) p.stock;
        MultiLayerNetwork fast = (MultiLayerNetwork) p.fast;
        for (int step = 0; step < 10; step++) {
            DataSet d = batch(grey, 10, 32, 100 + step);
            stock.fit(d);
            fast.fit(d);
            assertEquals(stock.score(), fast.score(), 1e-4 * Math.max(1, stock.score()), "loss at step " + step);
        }
        // Adam divides by the gradient's running scale, so for parameters whose gradient is near 0 a rounding
        // difference can move a step of up to the learning rate (1e-3); seen: 2.5e-5 after 10 steps.
        double drift = stock.params().sub(fast.params()).amaxNumber().doubleValue();
        assertTrue(drift < 1e-4, "parameters after 10 Adam steps differ by " + drift);
        assertFalse(stock.params().equalsWithEps(Architectures.build(TrainConfig.of(Architecture.SEED_CNN,
                UpdaterKind.ADAM, 1e-3, 32), grey, 10, 7).build().params(), 1e-6), "the networks trained");
    }

    /**
     * A graph whose depthwise layers were replaced (MobileNetV2) trains through its original updater: the
     * replaced layer's weights move as far as DL4J's. (MobileNetV2's trajectories part after a step or two on
     * float rounding alone, with or without these kernels: batch norm over 8 images amplifies it; so the first
     * loss is compared exactly and the steps' size after that.)
     */
    @Test
    void aGraphWithReplacedLayersTrainsAsDl4jDoes() {
        InputShape small = new InputShape(3, 16, 16);
        Pair p = Pair.of(Architectures.build(TrainConfig.of(Architecture.MOBILENET_V2, UpdaterKind.ADAM, 1e-3, 8),
                small, 5, 11));
        ComputationGraph stock = (ComputationGraph) p.stock;
        ComputationGraph fast = (ComputationGraph) p.fast;
        String depthwise = "stage2-block1-depthwise";
        assertInstanceOf(DepthwiseConvolutionLayer.class, fast.getLayer(depthwise));
        INDArray before = fast.getLayer(depthwise).getParam("W").dup();
        for (int step = 0; step < 3; step++) {
            DataSet d = batch(small, 5, 8, 200 + step);
            stock.fit(d);
            fast.fit(d);
            if (step == 0) {
                assertEquals(stock.score(), fast.score(), 1e-4 * Math.max(1, stock.score()), "first loss");
            }
        }
        double moved = fast.getLayer(depthwise).getParam("W").sub(before).norm2Number().doubleValue();
        double stockMoved = stock.getLayer(depthwise).getParam("W").sub(before).norm2Number().doubleValue();
        assertTrue(stockMoved > 0 && moved > 0.5 * stockMoved && moved < 2 * stockMoved,
                "depthwise weights moved " + moved + " in 3 Adam steps, DL4J's " + stockMoved);
    }

    @Test
    void channelsLastConvolutionsKeepDl4jsOwnPath() throws ReflectiveOperationException {
        InputShape shape = new InputShape(3, 8, 8);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).dataFormat(CNN2DFormat.NHWC).build())
                .layer(new SubsamplingLayer.Builder(2, 2).dataFormat(CNN2DFormat.NHWC).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(8, 8, 3, CNN2DFormat.NHWC)).build();
        Pair p = Pair.of(NetworkSpec.of(conf));
        INDArray nhwc = Nd4j.rand(DataType.FLOAT, 4, 8, 8, 3);
        assertClose(output(p.stock, nhwc), output(p.fast, nhwc), "NHWC output");
        Layer conv = layers(p.fast)[0];
        assertEquals(0, field(conv, org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class,
                "helperCountFail"), "declined, not failed");
        assertEquals(shape.channels(), nhwc.size(3));
    }

    /**
     * A graph's convolution on the graph's input computes no input gradient (the graph drops it, as a
     * MultiLayerNetwork drops its first layer's); every later one does. The maths is everyArchitecture's test.
     */
    @Test
    void aGraphsConvolutionOnItsInputComputesNoInputGradient() throws ReflectiveOperationException {
        ComputationGraph graph = (ComputationGraph) Architectures.build(TrainConfig.of(Architecture.RESNET,
                UpdaterKind.ADAM, 1e-3, 32), new InputShape(1, 28, 28), 10, 7).build().dl4j();
        Class<?> owner = org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class;
        assertEquals(false, field(field(graph.getLayer("stem"), owner, "helper"), Im2colConvolution.class,
                "inputGradient"), "stem");
        for (String later : List.of("block1-conv1", "block2-shortcut", "block2-conv2")) {
            assertEquals(true, field(field(graph.getLayer(later), owner, "helper"), Im2colConvolution.class,
                    "inputGradient"), later);
        }
    }

    @Test
    void reluLayersRunDenseReluWhileTheSavedConfigurationKeepsDl4jsReLU() {
        MultiLayerNetwork n = (MultiLayerNetwork) Architectures.build(TrainConfig.of(Architecture.LENET,
                UpdaterKind.ADAM, 1e-3, 32), new InputShape(1, 28, 28), 10, 7).build().dl4j();
        int relus = 0;
        for (Layer layer : n.getLayers()) {
            var conf = layer.conf().getLayer();
            if (conf instanceof org.deeplearning4j.nn.conf.layers.BaseLayer base
                    && base.getActivationFn() instanceof org.nd4j.linalg.activations.impl.ActivationReLU) {
                assertInstanceOf(DenseReLU.class, base.getActivationFn(), "layer " + layer.getIndex());
                relus++;
            }
        }
        assertEquals(4, relus, "LeNet: two convolutions and two dense layers with ReLU");
        String saved = n.getLayerWiseConfigurations().toJson();
        assertFalse(saved.contains("DenseReLU") || saved.contains("io.sparkcnn"), "saved configuration: " + saved);
        assertTrue(saved.contains("ActivationReLU"));
    }

    @Test
    void fusedLayersCanBeTurnedOffKeepingTheHelpers() throws ReflectiveOperationException {
        System.setProperty(CpuKernels.FUSED_LAYERS_PROPERTY, "false");
        try {
            NetworkSpec spec = Architectures.build(TrainConfig.of(Architecture.SEED_CNN, UpdaterKind.ADAM, 1e-3,
                    32), new InputShape(1, 28, 28), 10, 7);
            MultiLayerNetwork net = (MultiLayerNetwork) spec.build().dl4j();
            Layer[] layers = net.getLayers();
            assertEquals(org.deeplearning4j.nn.layers.OutputLayer.class, net.getOutputLayer().getClass());
            assertEquals(org.deeplearning4j.nn.updater.MultiLayerUpdater.class, net.getUpdater().getClass());
            assertEquals(org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class, layers[0].getClass());
            assertEquals(org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer.class,
                    layers[1].getClass());
            assertInstanceOf(Im2colConvolution.class, field(layers[0],
                    org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class, "helper"));
            assertSameMaths(spec, new InputShape(1, 28, 28), 10, "seed-cnn, helpers only");
        } finally {
            System.clearProperty(CpuKernels.FUSED_LAYERS_PROPERTY);
        }
    }

    @Test
    void theSystemPropertyKeepsDl4jsExecution() throws ReflectiveOperationException {
        System.setProperty(CpuKernels.DISABLE_PROPERTY, "true");
        try {
            Network n = Architectures.build(TrainConfig.of(Architecture.SEED_CNN, UpdaterKind.ADAM, 1e-3, 32),
                    new InputShape(1, 28, 28), 10, 7).build();
            assertNull(field(layers(n.dl4j())[0], org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class,
                    "helper"));
        } finally {
            System.clearProperty(CpuKernels.DISABLE_PROPERTY);
        }
    }
}
