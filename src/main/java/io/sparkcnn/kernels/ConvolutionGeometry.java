package io.sparkcnn.kernels;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The shape of one convolution call: sizes, and the padding DL4J's own path would use. */
record ConvolutionGeometry(int minibatch, int inChannels, int inH, int inW, int outChannels, int kH, int kW,
                           int outH, int outW, int[] strides, int[] pad, int[] dilation) {
    static ConvolutionGeometry of(INDArray input, INDArray weights, int[] kernel, int[] strides, int[] pad,
                                  ConvolutionMode mode, int[] dilation) {
        WindowGeometry window = WindowGeometry.of(input, kernel, strides, pad, mode, dilation);
        return new ConvolutionGeometry((int) input.size(0), (int) input.size(1), (int) input.size(2),
                (int) input.size(3), (int) weights.size(0), (int) weights.size(2), (int) weights.size(3),
                window.outH(), window.outW(), strides, window.pad(), dilation);
    }

    /** The same convolution over {@code images} images. */
    ConvolutionGeometry withMinibatch(int images) {
        return new ConvolutionGeometry(images, inChannels, inH, inW, outChannels, kH, kW, outH, outW, strides, pad,
                dilation);
    }

    int patch() {
        return inChannels * kH * kW;
    }

    int pixels() {
        return outH * outW;
    }

    /**
     * For stride-1 columns whose input column is the output column plus {@code colOffset}: the first output
     * column that reads inside the image (the ones before it read the left padding).
     */
    int insideFrom(int colOffset) {
        return Math.min(outW, Math.max(0, -colOffset));
    }

    /** One past the last output column that reads inside the image (never before {@link #insideFrom}). */
    int insideTo(int colOffset) {
        return Math.max(insideFrom(colOffset), Math.min(outW, inW - colOffset));
    }

    long[] columns() {
        return new long[] {minibatch, inChannels, kH, kW, outH, outW};
    }
}
