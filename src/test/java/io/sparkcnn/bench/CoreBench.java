package io.sparkcnn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkcnn.config.Architecture;
import io.sparkcnn.config.Settings;
import io.sparkcnn.config.Stem;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.config.UpdaterKind;
import io.sparkcnn.kernels.CpuKernels;
import io.sparkcnn.model.Architectures;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.Network;
import io.sparkcnn.train.Minibatches;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One worker's speed on one thread, for scripts/bench-core.sh: training images/s (minibatch 32, Adam 1e-3)
 * and inference images/s (batch 256) of one network on Fashion-MNIST, with the floating-point work per image
 * that implies (convolutions and dense layers, multiply-add = 2 FLOPs; training counted as 3x the forward
 * pass). The ND4J build is whatever nd4j-native jar the classpath holds: the script starts one JVM per build
 * and interleaves them. A variant changes how the same maths runs: {@code default} (the project's defaults:
 * CpuKernels, CacheMode.DEVICE, workspaces), {@code scalar-planes} (the fused pooling's planes in scalar code
 * instead of the Vector API's lanes), {@code no-onednn} (convolutions as im2col and OpenBLAS products, batch
 * normalisation in Java, instead of oneDNN's primitives), {@code no-blocked-copies} (every oneDNN layer reorders
 * its input from NCHW, DL4J's ReLU layers), {@code no-blocked-inference} (in inference every oneDNN layer also
 * writes its NCHW output), {@code no-folding} (in inference batch norms and their ReLUs run as layers of their own,
 * not within the convolution before them), {@code whole-batches} (inference of a whole batch in one pass through
 * the network instead of Network.output's chunks; combines with the switches: no-blocked-copies+whole-batches), {@code dl4j-kernels} (DL4J's own layer code: CpuKernels off),
 * {@code helpers-only} (CpuKernels in DL4J's helper slot, DL4J's layer objects: no fused layers),
 * {@code dl4j-native-helpers} (DL4J's oneDNN helper classes, which call libnd4j's native conv2d and pooling
 * ops, in place of CpuKernels), {@code nhwc} (channels-last layout for every layer and the input), {@code
 * workspaces-none} (no workspace reuse of activation memory), {@code cache-none} / {@code cache-host} (other
 * DL4J cache modes), {@code no-onednn-adds} (residual adds in DL4J's vertex, on NCHW arrays), {@code
 * no-batch-norm-relu} (in training steps the ReLU after a batch norm as its own layer), {@code
 * paired:SWITCH} (the network with a switch read at build time off, beside the same network with the defaults,
 * in turns within this JVM: see {@link #paired}); environment-level variants (OMP_WAIT_POLICY) are set by the
 * script and run as {@code default}. MODEL is an architecture on Fashion-MNIST's 1x28x28 images, or
 * {@code ARCH@CxHxW} on those images scaled to H x W and repeated over C channels, with {@code :imagenet} or
 * {@code :small} for model.stem (e.g. {@code resnet18@3x96x96:imagenet}). Prints one JSON line.
 * Usage: CoreBench MODEL SECONDS [VARIANT]
 */
public final class CoreBench {
    /** A network and its input: {@code ARCH} (1x28x28), or {@code ARCH@CxHxW}, optionally {@code :STEM}. */
    record Model(String name, Architecture architecture, InputShape shape, Stem stem) {
        static Model parse(String spec) {
            String[] stemParts = spec.split(":");
            String[] parts = stemParts[0].split("@");
            Architecture a = Architecture.valueOf(parts[0].toUpperCase().replace('-', '_'));
            InputShape shape = new InputShape(1, 28, 28);
            if (parts.length > 1) {
                String[] chw = parts[1].split("x");
                shape = new InputShape(Integer.parseInt(chw[0]), Integer.parseInt(chw[1]), Integer.parseInt(chw[2]));
            }
            Stem stem = stemParts.length > 1 ? Stem.valueOf(stemParts[1].toUpperCase()) : Stem.AUTO;
            return new Model(spec, a, shape, stem);
        }

        TrainConfig train() {
            TrainConfig t = TrainConfig.of(architecture, UpdaterKind.ADAM, 1e-3, 32);
            return new TrainConfig(t.architecture(), stem, t.optimiser(), t.batchSizePerWorker(), t.strategy(),
                    t.epochs(), t.workers(), t.threadsPerWorker(), t.averaging(),
                    t.roundTimeoutSeconds(), t.evalBatchSize(), t.earlyStopping(), t.networkFile());
        }

        /** Fashion-MNIST images brought to the input's shape: nearest-neighbour scaled, each channel the same. */
        List<float[]> pixels(List<float[]> fashion) {
            if (shape.equals(new InputShape(1, 28, 28))) {
                return fashion;
            }
            int h = shape.height();
            int w = shape.width();
            int plane = h * w;
            return fashion.stream().map(f -> {
                float[] out = new float[shape.size()];
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        out[y * w + x] = f[(y * 28 / h) * 28 + x * 28 / w];
                    }
                }
                for (int c = 1; c < shape.channels(); c++) {
                    System.arraycopy(out, 0, out, c * plane, plane);
                }
                return out;
            }).toList();
        }
    }

    /** Variants that switch one of the engine's system properties off; they combine with '+'. */
    private static final Map<String, io.sparkcnn.config.SystemProperty> SWITCHES = Map.of("no-onednn", Settings.ONEDNN,
            "no-blocked-copies", Settings.BLOCKED_COPIES, "no-blocked-inference", Settings.BLOCKED_INFERENCE,
            "no-blocked-training", Settings.BLOCKED_TRAINING, "no-onednn-thin", Settings.ONEDNN_THIN_CONVOLUTIONS,
            "no-folding", Settings.FOLD_BATCH_NORM, "no-onednn-adds", Settings.ONEDNN_ADDS, "no-batch-norm-relu",
            Settings.BATCH_NORM_RELU);
    /**
     * The switches read only when a network is built (CpuKernels.install, Network): a network built with one
     * off keeps it off while another built with it on runs beside it in the same JVM ({@code paired:}).
     */
    private static final List<String> PAIRABLE = List.of("no-blocked-copies", "no-blocked-inference",
            "no-blocked-training", "no-folding", "no-onednn-adds", "no-batch-norm-relu");
    /** About how long each network runs before the other takes over, in a paired run (at least one batch). */
    private static final double PAIRED_BLOCK_SECONDS = 0.3;

    public static void main(String[] args) throws Exception {
        io.sparkcnn.train.OpenBlasCore.prepare(); // as the command line does, before ND4J loads
        Model model = Model.parse(args[0]);
        double seconds = Double.parseDouble(args[1]);
        // Large inputs: fewer images (the timing cycles over them).
        int images = model.shape().size() > 10_000 ? 1_000 : 10_000;
        FashionMnistSample sample = FashionMnistSample.load(images);
        List<float[]> pixels = model.pixels(sample.pixels());
        int[] ids = sample.labels();
        InputShape shape = model.shape();
        List<DataSet> train = Minibatches.of(pixels, ids, shape, 10, 32);
        List<DataSet> infer = Minibatches.of(pixels, ids, shape, 10, 256);
        String variant = args.length > 2 ? args[2] : "default";
        if (variant.startsWith("paired:")) {
            paired(model, variant.substring("paired:".length()), train, infer, seconds);
            return;
        }
        // Variants combine with '+' (no-blocked-copies+whole-batches): each part is applied below.
        List<String> parts = List.of(variant.split("\\+"));
        boolean wholeBatches = parts.contains("whole-batches");
        if (parts.size() > 1) {
            variant = String.join("+", parts.stream().filter(v -> !v.equals("whole-batches")).toList());
            if (variant.contains("+")) {
                for (String part : variant.split("\\+")) {
                    io.sparkcnn.config.SystemProperty sw = SWITCHES.get(part);
                    if (sw == null) {
                        throw new IllegalArgumentException("only switches " + SWITCHES.keySet()
                                + " combine with '+', not " + part);
                    }
                    System.setProperty(sw.name(), "false");
                }
                variant = "default";
            }
        } else if (wholeBatches) {
            variant = "default";
        }
        if (variant.equals("dl4j-kernels") || variant.equals("dl4j-native-helpers")) {
            System.setProperty(CpuKernels.DISABLE_PROPERTY, "true");
        }
        if (variant.equals("scalar-planes")) {
            System.setProperty("sparkcnn.vectorPlanes", "false"); // read when the first fused pooling is built
        }
        if (SWITCHES.containsKey(variant)) {
            System.setProperty(SWITCHES.get(variant).name(), "false");
        }
        if (variant.equals("helpers-only")) {
            System.setProperty(CpuKernels.FUSED_LAYERS_PROPERTY, "false");
        }
        if (variant.equals("nhwc")) {
            InputType.setDefaultCNN2DFormat(CNN2DFormat.NHWC);
            for (List<DataSet> list : List.of(train, infer)) {
                for (DataSet d : list) {
                    d.setFeatures(d.getFeatures().permute(0, 2, 3, 1).dup('c'));
                }
            }
        }
        Network net = variant(Architectures.build(model.train(), shape, 10, 42).build(), variant);
        double forwardFlops = forwardFlops(net, train.get(0).getFeatures());

        // Warm up both paths, then time each for the given seconds.
        timedOver(train, net::fit, 2.0);
        double trainPerSecond = timedOver(train, b -> net.fit(b), seconds);
        Step inference = wholeBatches ? b -> wholeBatch(net, b.getFeatures()) : b -> net.output(b.getFeatures());
        double inferPerSecond = timedOver(infer, inference, Math.max(1, seconds / 2));

        System.out.println(new ObjectMapper().writeValueAsString(row(model,
                System.getProperty("bench.variant", args.length > 2 ? args[2] : "default"), trainPerSecond,
                inferPerSecond, forwardFlops)));
    }

    /** The JSON row of one measurement (bench-core.sh reads these keys). */
    private static Map<String, Object> row(Model model, String variant, double trainPerSecond,
                                           double inferPerSecond, double forwardFlops) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", model.name());
        out.put("build", System.getProperty("bench.build", "?"));
        out.put("variant", variant);
        out.put("blas", Nd4j.getExecutioner().getEnvironmentInformation().getOrDefault("blas.vendor", "?"));
        out.put("openblasCoretype", System.getenv().getOrDefault("OPENBLAS_CORETYPE", ""));
        out.put("openblasKernels", io.sparkcnn.train.OpenBlasCore.loaded().orElse("?"));
        out.put("trainImagesPerSecond", trainPerSecond);
        out.put("inferImagesPerSecond", inferPerSecond);
        out.put("forwardMflopPerImage", forwardFlops / 1e6);
        out.put("trainGflops", trainPerSecond * 3 * forwardFlops / 1e9);
        out.put("inferGflops", inferPerSecond * forwardFlops / 1e9);
        return out;
    }

    /**
     * The network with a switch off against the same network with the defaults, side by side in one JVM: blocks
     * of about {@link #PAIRED_BLOCK_SECONDS} of each in turn, so that both see the same moments of a shared
     * machine. The ratio is the median over block pairs of the switched network's speed over the default one's;
     * the rates are over all blocks. Prints the switched network's row.
     */
    private static void paired(Model model, String off, List<DataSet> train, List<DataSet> infer, double seconds)
            throws Exception {
        if (!PAIRABLE.contains(off)) {
            throw new IllegalArgumentException("paired runs take a switch read when a network is built, one of "
                    + PAIRABLE + ", not " + off);
        }
        InputShape shape = model.shape();
        Network defaults = Architectures.build(model.train(), shape, 10, 42).build();
        System.setProperty(SWITCHES.get(off).name(), "false");
        Network switched;
        try {
            switched = Architectures.build(model.train(), shape, 10, 42).build();
        } finally {
            System.clearProperty(SWITCHES.get(off).name());
        }
        double forwardFlops = forwardFlops(defaults, train.get(0).getFeatures());
        double trainRate = 0;
        double inferRate = 0;
        for (Network n : List.of(defaults, switched)) {
            trainRate = timedOver(train, n::fit, 2.0);
            inferRate = timedOver(infer, b -> n.output(b.getFeatures()), 1.0);
        }
        double[] trainRates = new double[2];
        double trainRatio = alternate(train, List.of(defaults::fit, switched::fit), seconds,
                blockOf(trainRate, train.get(0).numExamples()), trainRates);
        double[] inferRates = new double[2];
        double inferRatio = alternate(infer, List.of(b -> defaults.output(b.getFeatures()),
                b -> switched.output(b.getFeatures())), Math.max(1, seconds / 2),
                blockOf(inferRate, infer.get(0).numExamples()), inferRates);

        Map<String, Object> out = row(model, "paired:" + off, trainRates[1], inferRates[1], forwardFlops);
        out.put("pairedDefaultTrainImagesPerSecond", trainRates[0]);
        out.put("pairedDefaultInferImagesPerSecond", inferRates[0]);
        out.put("pairedTrainRatio", trainRatio);
        out.put("pairedInferRatio", inferRatio);
        System.out.println(new ObjectMapper().writeValueAsString(out));
    }

    /** Batches of {@code batchSize} images in a block of about {@link #PAIRED_BLOCK_SECONDS} at this rate. */
    private static int blockOf(double imagesPerSecond, int batchSize) {
        return Math.max(1, (int) Math.round(PAIRED_BLOCK_SECONDS * imagesPerSecond / batchSize));
    }

    /**
     * Runs {@code steps.get(0)} and {@code steps.get(1)} in turn, {@code block} batches each, for about
     * {@code seconds} in all; {@code rates} gets each one's images per second; returns the median over block
     * pairs of the second's speed over the first's.
     */
    private static double alternate(List<DataSet> batches, List<Step> steps, double seconds, int block,
                                    double[] rates) {
        long[] nanos = new long[2];
        long[] images = new long[2];
        List<Double> ratios = new java.util.ArrayList<>();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        int i = 0;
        while (System.nanoTime() < end || ratios.isEmpty()) {
            double[] blockRate = new double[2];
            for (int s = 0; s < 2; s++) {
                long start = System.nanoTime();
                long done = 0;
                for (int k = 0; k < block; k++) {
                    DataSet b = batches.get((i + k) % batches.size());
                    steps.get(s).run(b);
                    done += b.numExamples();
                }
                long took = System.nanoTime() - start;
                nanos[s] += took;
                images[s] += done;
                blockRate[s] = done / (took / 1e9);
            }
            i += block;
            ratios.add(blockRate[1] / blockRate[0]);
        }
        for (int s = 0; s < 2; s++) {
            rates[s] = images[s] / (nanos[s] / 1e9);
        }
        return Medians.of(ratios);
    }

    /** DL4J's inference of a whole batch in one pass through the network (Network.output runs it in chunks). */
    private static INDArray wholeBatch(Network net, INDArray features) {
        return net.dl4j() instanceof org.deeplearning4j.nn.graph.ComputationGraph g ? g.outputSingle(false, features)
                : ((MultiLayerNetwork) net.dl4j()).output(features, false);
    }

    /** The network with the variant's execution settings (same maths). */
    private static Network variant(Network net, String variant) {
        if (List.of("default", "dl4j-kernels", "helpers-only", "scalar-planes", "nhwc").contains(variant)
                || SWITCHES.containsKey(variant)
                || variant.startsWith("env-")) {
            return net;
        }
        if (!(net.dl4j() instanceof MultiLayerNetwork)) {
            throw new IllegalArgumentException("variant " + variant + " is for layer stacks, not graphs");
        }
        MultiLayerNetwork layers = (MultiLayerNetwork) net.dl4j();
        if (variant.equals("dl4j-native-helpers")) {
            for (Layer layer : layers.getLayers()) {
                if (layer instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) {
                    setHelper(org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class, layer, new MKLDNNConvHelper(DataType.FLOAT));
                } else if (layer instanceof org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer) {
                    setHelper(org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer.class, layer, new MKLDNNSubsamplingHelper(DataType.FLOAT));
                } else if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                    setHelper(org.deeplearning4j.nn.layers.normalization.BatchNormalization.class, layer, new MKLDNNBatchNormHelper(DataType.FLOAT));
                }
            }
            return net;
        }
        MultiLayerConfiguration conf = layers.getLayerWiseConfigurations().clone();
        switch (variant) {
            case "workspaces-none" -> {
                conf.setTrainingWorkspaceMode(WorkspaceMode.NONE);
                conf.setInferenceWorkspaceMode(WorkspaceMode.NONE);
            }
            case "cache-none" -> conf.setCacheMode(CacheMode.NONE);
            case "cache-host" -> conf.setCacheMode(CacheMode.HOST);
            default -> throw new IllegalArgumentException("unknown variant " + variant);
        }
        MultiLayerNetwork rebuilt = new MultiLayerNetwork(conf);
        rebuilt.init(net.params().dup(), false);
        return Network.of(rebuilt);
    }

    private static void setHelper(Class<?> owner, Layer layer, Object helper) {
        try {
            java.lang.reflect.Field field = owner.getDeclaredField("helper");
            field.setAccessible(true);
            field.set(layer, helper);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private interface Step {
        void run(DataSet batch);
    }

    /** Images per second of {@code step} over the batches, cycling, for about {@code seconds}. */
    private static double timedOver(List<DataSet> batches, Step step, double seconds) {
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long done = 0;
        int i = 0;
        while (System.nanoTime() < end) {
            DataSet b = batches.get(i++ % batches.size());
            step.run(b);
            done += b.numExamples();
        }
        return done / ((System.nanoTime() - start) / 1e9);
    }

    /** Multiply-adds x 2 of one image's forward pass through the convolution and dense layers. */
    private static double forwardFlops(Network network, INDArray batch) {
        INDArray one = batch.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1));
        double flops = 0;
        if (network.dl4j() instanceof MultiLayerNetwork net) {
            List<INDArray> activations = net.feedForward(one, false);
            for (int l = 0; l < net.getnLayers(); l++) {
                flops += flops(net.getLayer(l).conf().getLayer(), activations.get(l + 1));
            }
        } else {
            ComputationGraph graph = (ComputationGraph) network.dl4j();
            Map<String, INDArray> activations = graph.feedForward(one, false);
            for (Layer layer : graph.getLayers()) {
                flops += flops(layer.conf().getLayer(), activations.get(layer.conf().getLayer().getLayerName()));
            }
        }
        return flops;
    }

    private static double flops(org.deeplearning4j.nn.conf.layers.Layer conf, INDArray output) {
        if (conf instanceof DepthwiseConvolution2D c) {
            int[] k = c.getKernelSize();
            return 2.0 * k[0] * k[1] * output.length();
        } else if (conf instanceof ConvolutionLayer c) {
            int[] k = c.getKernelSize();
            return 2.0 * k[0] * k[1] * c.getNIn() * output.length();
        } else if (conf instanceof DenseLayer d) {
            return 2.0 * d.getNIn() * d.getNOut();
        } else if (conf instanceof OutputLayer o) {
            return 2.0 * o.getNIn() * o.getNOut();
        }
        return 0;
    }
}
