package io.sparkcnn.kernels;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where a sliding window (convolution or pooling) lands on an NCHW input: the output size and the top-left
 * padding, by DL4J's own rule (Same mode: the padding that keeps ceil(in / stride); otherwise the configured
 * padding), so that the CPU kernels place their windows exactly where DL4J's layers do.
 */
record WindowGeometry(int outH, int outW, int[] pad) {
    static WindowGeometry of(INDArray input, int[] kernel, int[] strides, int[] pad, ConvolutionMode mode,
                             int[] dilation) {
        boolean same = mode == ConvolutionMode.Same;
        int[] out = ConvolutionUtils.getOutputSize(input, kernel, strides, same ? null : pad, mode, dilation,
                CNN2DFormat.NCHW);
        int[] padding = same ? ConvolutionUtils.getSameModeTopLeftPadding(out, new int[] {(int) input.size(2),
                (int) input.size(3)}, kernel, strides, dilation) : pad;
        return new WindowGeometry(out[0], out[1], padding);
    }
}
