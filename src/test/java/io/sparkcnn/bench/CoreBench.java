package io.sparkcnn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkcnn.config.Architecture;
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
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
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
 * instead of the Vector API's lanes), {@code dl4j-kernels} (DL4J's own layer code: CpuKernels off),
 * {@code helpers-only} (CpuKernels in DL4J's helper slot, DL4J's layer objects: no fused layers),
 * {@code dl4j-native-helpers} (DL4J's oneDNN helper classes, which call libnd4j's native conv2d and pooling
 * ops, in place of CpuKernels), {@code nhwc} (channels-last layout for every layer and the input), {@code
 * workspaces-none} (no workspace reuse of activation memory), {@code cache-none} / {@code cache-host} (other
 * DL4J cache modes); environment-level variants (OMP_WAIT_POLICY) are set by the script and run as {@code
 * default}. Prints one JSON line. Usage: CoreBench MODEL SECONDS [VARIANT]
 */
public final class CoreBench {
    public static void main(String[] args) throws Exception {
        Architecture architecture = Architecture.valueOf(args[0].toUpperCase().replace('-', '_'));
        double seconds = Double.parseDouble(args[1]);
        int images = 10_000;
        FashionMnistSample sample = FashionMnistSample.load(images);
        List<float[]> pixels = sample.pixels();
        int[] ids = sample.labels();
        InputShape shape = new InputShape(1, 28, 28);
        List<DataSet> train = Minibatches.of(pixels, ids, shape, 10, 32);
        List<DataSet> infer = Minibatches.of(pixels, ids, shape, 10, 256);
        String variant = args.length > 2 ? args[2] : "default";
        if (variant.equals("dl4j-kernels") || variant.equals("dl4j-native-helpers")) {
            System.setProperty(CpuKernels.DISABLE_PROPERTY, "true");
        }
        if (variant.equals("scalar-planes")) {
            System.setProperty("sparkcnn.vectorPlanes", "false"); // read when the first fused pooling is built
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
        Network net = variant(Architectures.build(TrainConfig.of(architecture, UpdaterKind.ADAM, 1e-3, 32), shape, 10,
                42).build(), variant);
        double forwardFlops = forwardFlops((MultiLayerNetwork) net.dl4j(), train.get(0).getFeatures());

        // Warm up both paths, then time each for the given seconds.
        timedOver(train, net::fit, 2.0);
        double trainPerSecond = timedOver(train, b -> net.fit(b), seconds);
        double inferPerSecond = timedOver(infer, b -> net.output(b.getFeatures()), Math.max(1, seconds / 2));

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", architecture.configName());
        out.put("build", System.getProperty("bench.build", "?"));
        out.put("variant", System.getProperty("bench.variant", variant));
        out.put("blas", Nd4j.getExecutioner().getEnvironmentInformation().getOrDefault("blas.vendor", "?"));
        out.put("openblasCoretype", System.getenv().getOrDefault("OPENBLAS_CORETYPE", ""));
        out.put("trainImagesPerSecond", trainPerSecond);
        out.put("inferImagesPerSecond", inferPerSecond);
        out.put("forwardMflopPerImage", forwardFlops / 1e6);
        out.put("trainGflops", trainPerSecond * 3 * forwardFlops / 1e9);
        out.put("inferGflops", inferPerSecond * forwardFlops / 1e9);
        System.out.println(new ObjectMapper().writeValueAsString(out));
    }

    /** The network with the variant's execution settings (same maths). */
    private static Network variant(Network net, String variant) {
        if (List.of("default", "dl4j-kernels", "helpers-only", "scalar-planes", "nhwc").contains(variant)
                || variant.startsWith("env-")) {
            return net;
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
    private static double forwardFlops(MultiLayerNetwork net, INDArray batch) {
        List<INDArray> activations = net.feedForward(batch.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)),
                false);
        double flops = 0;
        for (int l = 0; l < net.getnLayers(); l++) {
            var conf = net.getLayer(l).conf().getLayer();
            INDArray output = activations.get(l + 1);
            if (conf instanceof ConvolutionLayer c) {
                int[] k = c.getKernelSize();
                flops += 2.0 * k[0] * k[1] * c.getNIn() * output.length();
            } else if (conf instanceof DenseLayer d) {
                flops += 2.0 * d.getNIn() * d.getNOut();
            } else if (conf instanceof OutputLayer o) {
                flops += 2.0 * o.getNIn() * o.getNOut();
            }
        }
        return flops;
    }
}
