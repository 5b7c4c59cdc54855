package io.sparkcnn.model;

import io.sparkcnn.config.Architecture;
import io.sparkcnn.config.OptimiserConfig;
import io.sparkcnn.config.TrainConfig;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Builds the network configuration of each {@link Architecture} for an input shape and class count, with
 * float parameters, the configured updater and Xavier initialisation seeded from the job's seed, so that
 * two builds with the same arguments initialise identically.
 */
public final class Architectures {
    private Architectures() {
    }

    public static MultiLayerConfiguration build(TrainConfig train, InputShape input, int classes, long seed) {
        if (classes < 2) {
            throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + classes);
        }
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(updater(train.optimiser()))
                .weightInit(WeightInit.XAVIER)
                .list();
        switch (train.architecture()) {
            case SEED_CNN -> seedCnn(list);
            case LENET -> lenet(list);
            case DEEP_CNN -> deepCnn(list);
            default -> throw new IllegalArgumentException("no builder for " + train.architecture());
        }
        list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.NEGATIVELOGLIKELIHOOD)
                .nOut(classes).activation(Activation.SOFTMAX).build());
        return list.setInputType(InputType.convolutional(input.height(), input.width(), input.channels())).build();
    }

    static IUpdater updater(OptimiserConfig optimiser) {
        return switch (optimiser.updater()) {
            case ADAM -> new Adam(optimiser.learningRate());
            case SGD -> new Sgd(optimiser.learningRate());
            case NESTEROV -> new Nesterovs(optimiser.learningRate(), optimiser.momentum());
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

    /** Three conv blocks with batch normalisation, then dropout before the dense softmax. */
    private static void deepCnn(NeuralNetConfiguration.ListBuilder list) {
        for (int filters : new int[] {32, 64, 128}) {
            list.layer(new ConvolutionLayer.Builder(3, 3).nOut(filters).convolutionMode(ConvolutionMode.Same)
                            .activation(Activation.IDENTITY).build())
                    .layer(new BatchNormalization.Builder().activation(Activation.RELU).build())
                    .layer(maxPool());
        }
        list.layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).dropOut(0.5).build());
    }

    private static ConvolutionLayer conv(int filters, int kernel, ConvolutionMode mode) {
        return new ConvolutionLayer.Builder(kernel, kernel).nOut(filters).convolutionMode(mode)
                .activation(Activation.RELU).build();
    }

    private static SubsamplingLayer maxPool() {
        return new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build();
    }
}
