package io.sparkcnn.model;

import io.sparkcnn.config.Stem;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The networks people train on photographs, as their papers define them: ResNet-18, -34 (basic blocks) and -50
 * (bottleneck blocks, the stride on the 3x3 convolution as torchvision's "v1.5") from He et al., "Deep Residual
 * Learning for Image Recognition" (2016), and MobileNetV2 (inverted residuals with linear bottlenecks, depthwise
 * 3x3 convolutions) from Sandler et al. (2018). Convolutions followed by batch normalisation have no bias, as in
 * the papers and torchvision, so the trainable parameters match theirs exactly (ArchitecturesTest).
 *
 * <p>The stem is model.stem's; {@code auto} follows the input: inputs of {@link #IMAGENET_STEM_FROM} pixels and
 * more get the ImageNet stem (ResNet: 7x7 stride-2 convolution and 3x3 stride-2 max pooling; MobileNetV2: a
 * stride-2 3x3 convolution); smaller ones the small-image stem (a stride-1 3x3 convolution, no pooling; MobileNetV2 also keeps its first
 * downsampling block at stride 1), as for CIFAR, so a 32x32 image is not reduced to 1x1 before the last stage.
 */
final class PhotoNetworks {
    static final int IMAGENET_STEM_FROM = 128;

    private PhotoNetworks() {
    }

    /** ResNet with {@code depth} 18, 34 or 50. */
    static ComputationGraphConfiguration resnet(NeuralNetConfiguration.Builder base, InputShape input, Stem stem,
                                                int classes, int depth) {
        int[] blocks = switch (depth) {
            case 18 -> new int[] {2, 2, 2, 2};
            case 34, 50 -> new int[] {3, 4, 6, 3};
            default -> throw new IllegalArgumentException("ResNet depth 18, 34 or 50, got " + depth);
        };
        boolean bottleneck = depth == 50;
        boolean imagenet = imagenetStem(stem, input);
        ComputationGraphConfiguration.GraphBuilder g = base.graphBuilder().addInputs("image");
        String x = convBn(g, "stem", "image", 64, imagenet ? 7 : 3, imagenet ? 2 : 1, true);
        if (imagenet) {
            g.addLayer("stem-pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(3, 3)
                    .stride(2, 2).convolutionMode(ConvolutionMode.Same).build(), x);
            x = "stem-pool";
        }
        int channels = 64;
        for (int stage = 0; stage < 4; stage++) {
            int width = 64 << stage;
            for (int b = 0; b < blocks[stage]; b++) {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                String name = "stage" + (stage + 1) + "-block" + (b + 1);
                int out = bottleneck ? width * 4 : width;
                String shortcut = x;
                if (stride != 1 || channels != out) {
                    shortcut = convBn(g, name + "-shortcut", x, out, 1, stride, false);
                }
                String body;
                if (bottleneck) {
                    body = convBn(g, name + "-a", x, width, 1, 1, true);
                    body = convBn(g, name + "-b", body, width, 3, stride, true);
                    body = convBn(g, name + "-c", body, out, 1, 1, false, true);
                } else {
                    body = convBn(g, name + "-a", x, width, 3, stride, true);
                    body = convBn(g, name + "-b", body, width, 3, 1, false, true);
                }
                g.addVertex(name + "-add", new ElementWiseVertex(ElementWiseVertex.Op.Add), body, shortcut);
                g.addLayer(name, activation(Activation.RELU), name + "-add");
                x = name;
                channels = out;
            }
        }
        return head(g, x, classes, input);
    }

    /** MobileNetV2 at width 1.0: (expansion, channels, blocks, stride) per stage as in the paper's Table 2. */
    static ComputationGraphConfiguration mobilenetV2(NeuralNetConfiguration.Builder base, InputShape input,
                                                     Stem stem, int classes) {
        int[][] stages = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2},
                {6, 320, 1, 1}};
        boolean imagenet = imagenetStem(stem, input);
        ComputationGraphConfiguration.GraphBuilder g = base.graphBuilder().addInputs("image");
        String x = convBn6(g, "stem", "image", 32, 3, imagenet ? 2 : 1);
        int channels = 32;
        for (int s = 0; s < stages.length; s++) {
            int expansion = stages[s][0];
            int out = stages[s][1];
            for (int b = 0; b < stages[s][2]; b++) {
                int stride = b == 0 && !(s == 1 && !imagenet) ? stages[s][3] : 1;
                String name = "stage" + (s + 1) + "-block" + (b + 1);
                int hidden = channels * expansion;
                String h = expansion == 1 ? x : convBn6(g, name + "-expand", x, hidden, 1, 1);
                g.addLayer(name + "-depthwise", new DepthwiseConvolution2D.Builder(3, 3).stride(stride, stride)
                        .depthMultiplier(1).nOut(hidden).hasBias(false).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build(), h);
                g.addLayer(name + "-depthwise-bn", new BatchNormalization.Builder().build(), name + "-depthwise");
                g.addLayer(name + "-depthwise-relu6", activation(Activation.RELU6), name + "-depthwise-bn");
                boolean residual = stride == 1 && channels == out;
                String projected = convBn(g, name + "-project", name + "-depthwise-relu6", out, 1, 1, false, residual);
                if (residual) {
                    g.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), projected, x);
                    x = name;
                } else {
                    x = projected;
                }
                channels = out;
            }
        }
        x = convBn6(g, "last", x, 1280, 1, 1);
        return head(g, x, classes, input);
    }

    static boolean imagenetStem(Stem stem, InputShape input) {
        return switch (stem) {
            case IMAGENET -> true;
            case SMALL -> false;
            case AUTO -> Math.min(input.height(), input.width()) >= IMAGENET_STEM_FROM;
        };
    }

    private static ComputationGraphConfiguration head(ComputationGraphConfiguration.GraphBuilder g, String x,
                                                      int classes, InputShape input) {
        g.addLayer("global-pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x);
        g.addLayer("output", new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD).nOut(classes)
                .activation(Activation.SOFTMAX).build(), "global-pool");
        return g.setOutputs("output")
                .setInputTypes(InputType.convolutional(input.height(), input.width(), input.channels()))
                .build();
    }

    /** A bias-free convolution and its batch normalisation, then a ReLU when {@code relu}; returns the last name. */
    private static String convBn(ComputationGraphConfiguration.GraphBuilder g, String name, String in, int filters,
                                 int kernel, int stride, boolean relu) {
        return convBn(g, name, in, filters, kernel, stride, relu, false);
    }

    /**
     * As above; with {@code residualEnd} the batch norm's scale starts at 0, so that a residual block starts as the
     * identity (Goyal et al. 2017, torchvision's zero_init_residual): otherwise each untrained block adds its
     * branch to the identity, and a 34-layer net's activations overflow before batch norm has any statistics.
     */
    private static String convBn(ComputationGraphConfiguration.GraphBuilder g, String name, String in, int filters,
                                 int kernel, int stride, boolean relu, boolean residualEnd) {
        g.addLayer(name + "-conv", new ConvolutionLayer.Builder(kernel, kernel).stride(stride, stride).nOut(filters)
                .hasBias(false).convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build(), in);
        g.addLayer(name + "-bn", new BatchNormalization.Builder().gamma(residualEnd ? 0 : 1).build(), name + "-conv");
        if (!relu) {
            return name + "-bn";
        }
        g.addLayer(name + "-relu", activation(Activation.RELU), name + "-bn");
        return name + "-relu";
    }

    /** As {@link #convBn} with ReLU6, MobileNet's activation. */
    private static String convBn6(ComputationGraphConfiguration.GraphBuilder g, String name, String in, int filters,
                                  int kernel, int stride) {
        String bn = convBn(g, name, in, filters, kernel, stride, false);
        g.addLayer(name + "-relu6", activation(Activation.RELU6), bn);
        return name + "-relu6";
    }

    private static ActivationLayer activation(Activation a) {
        return new ActivationLayer.Builder().activation(a).build();
    }
}
