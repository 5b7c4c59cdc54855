/**
 * spark-cnn's CPU engine: faster implementations of DL4J's convolution, pooling, batch normalisation, ReLU,
 * softmax output layer and Adam updater, installed into a DL4J network by {@link io.sparkcnn.kernels.CpuKernels}
 * (the one entry point; everything else here is package-private).
 *
 * <h2>What they replace in DL4J</h2>
 * DL4J 1.0.0-M2.1 on CPU runs its generic layer code: its oneDNN helpers are looked up through a class name
 * that does not exist in that release, its convolution leaves a permuted view behind so every later op walks
 * strided memory, and its pooling layer never asks a helper for the forward pass. These kernels go in two
 * places:
 * <ul>
 *   <li><b>DL4J's helper slot</b> (the one cuDNN and oneDNN use), for every network, graphs included:
 *   {@code Im2colConvolution} (im2col and col2im in Java, one OpenBLAS product per image, contiguous NCHW),
 *   {@code MaxPooling}, {@code BatchNormKernel} and {@code DenseReLU}'s gradient.</li>
 *   <li><b>Layer objects of their own</b> in a MultiLayerNetwork: {@code FusedConvolutionLayer} (bias and
 *   ReLU applied to each image's output while it is in cache; with {@code FusedMaxPooling} the 2x2 max
 *   pooling too, its planes in SIMD lanes by {@code VectorPlanes}), {@code HelpedSubsamplingLayer},
 *   {@code FusedOutputLayer} (softmax cross-entropy in three OpenBLAS products) and {@code CpuUpdater}
 *   (Adam in Java on DL4J's state array, in SIMD lanes by {@code VectorAdam}; {@code CpuGraphUpdater} for
 *   graphs).</li>
 *   <li><b>oneDNN</b> (JavaCPP's dnnl presets): convolutions, batch norm, pooling, ReLU layers and, in graphs,
 *   residual adds ({@code AddVertex}), passing their arrays on in oneDNN's blocked layout
 *   ({@code BlockedCopies}).</li>
 * </ul>
 * Everything is matched by array identity and data type: anything unusual (another layer in between, a mask,
 * NHWC, doubles, another loss or updater) takes DL4J's own code. The model stays DL4J's: configuration,
 * parameters and saved files are untouched, only execution changes. Nothing is installed on the CUDA backend
 * (DL4J uses cuDNN there).
 *
 * <h2>How equivalence is proven</h2>
 * {@code CpuKernelsTest} runs every architecture and every convolution and pooling geometry (padding, stride,
 * dilation, odd sizes, ties) through both paths and compares outputs, every layer's activations, the loss and
 * every gradient with DL4J's own code to float rounding; planted bugs (an overwrite instead of an add in
 * col2im, a biased variance, a changed tie rule) fail it. {@code VectorPlanesTest} proves the SIMD planes give
 * the scalar loop's results bit for bit; {@code ScalarPlanesFallbackTest} trains in a JVM without the Vector
 * API module and ends with the same bits; {@code FusedOutputLayerTest} and {@code CpuUpdaterTest} compare the
 * output layer and Adam with DL4J's trajectories (and {@code VectorAdam} with the scalar loop, bit for bit);
 * {@code BlockedCopiesTest} holds passes that leave arrays in oneDNN's layout to the bits of passes that write
 * them all.
 *
 * <h2>Switches</h2>
 * {@code -Dsparkcnn.dl4jKernels=true} runs DL4J's own code; {@code -Dsparkcnn.fusedLayers=false} keeps DL4J's
 * layer objects and updater with the kernels in the helper slot only; {@code -Dsparkcnn.vectorPlanes=false}
 * runs the pooling planes in scalar code. The SIMD planes need {@code --add-modules=jdk.incubator.vector}
 * (in {@code conf/java17.flags}); without it the scalar loop runs and the log says so.
 * {@code docs/performance.md} has the measured speed of each path.
 */
package io.sparkcnn.kernels;
