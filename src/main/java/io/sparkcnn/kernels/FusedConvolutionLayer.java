package io.sparkcnn.kernels;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * DL4J's ConvolutionLayer with its bias and activation (ReLU or identity) done inside the convolution, image
 * by image, and its backward pass reading the ReLU's gradient off the layer's own output. Why: DL4J runs the
 * convolution, a bias pass, a copy of the pre-activations for the backward pass (its cache) and the activation
 * as separate passes over the whole minibatch's output (2.7 MB for the seed CNN), then the activation's
 * gradient and the bias gradient as two more; on this machine each pass costs about as much as the
 * arithmetic. Here each image's output is finished while it is in cache, nothing is copied, and the ReLU's
 * gradient (kept where the output is above 0, as DL4J's is where the pre-activation is) and the bias
 * gradient are taken image by image on the way into the weight gradient's matrix product. Before a 2x2 max
 * pooling it pools too ({@link FusedMaxPooling}), and takes that pooling's gradient in the pooled shape.
 *
 * <p>Same parameters, configuration and saved files as DL4J's layer. {@link CpuKernels} puts one in place of
 * a plain float NCHW convolution layer without dropout or weight noise; anything it cannot do here (another
 * data type, no activations kept from a training pass) goes to DL4J's own code, with the
 * {@link Im2colConvolution} helper.
 */
final class FusedConvolutionLayer extends ConvolutionLayer {
    private final Im2colConvolution convolution;
    private final boolean relu;
    /** The output of the last training forward pass, whose backward pass reads it; null otherwise. */
    private INDArray output;
    /** The max pooling of the next layer, when this layer computes it (see {@link #poolFor}). */
    private FusedMaxPooling pooling;

    /** A layer for {@code conf}; {@link CpuKernels} gives it the state of the layer it replaces. */
    FusedConvolutionLayer(NeuralNetConfiguration conf, DataType dataType, Im2colConvolution convolution) {
        super(conf, dataType);
        this.convolution = convolution;
        this.helper = convolution;
        this.relu = !(layerConf().getActivationFn() instanceof ActivationIdentity);
    }

    /** Whether this layer can stand in for {@code layer}: plain float NCHW, ReLU or identity, no noise. */
    static boolean canReplace(ConvolutionLayer layer, DataType dataType) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer conf =
                (org.deeplearning4j.nn.conf.layers.ConvolutionLayer) layer.conf().getLayer();
        IActivation activation = conf.getActivationFn();
        return layer.getClass() == ConvolutionLayer.class && dataType == DataType.FLOAT
                && conf.getCnn2dDataFormat() == CNN2DFormat.NCHW && conf.getIDropout() == null
                && conf.getWeightNoise() == null
                && (activation instanceof DenseReLU || activation.getClass() == ActivationIdentity.class);
    }

    boolean relu() {
        return relu;
    }

    /** The max pooling this layer computes for the next one, or null. */
    FusedMaxPooling pooling() {
        return pooling;
    }

    /** From now on the convolution also computes {@code next}'s 2x2 max pooling of its (ReLU) output. */
    void poolFor(HelpedSubsamplingLayer next) {
        if (!relu) {
            throw new IllegalStateException("pooling is fused with a ReLU convolution only");
        }
        pooling = new FusedMaxPooling();
        next.takePoolingFrom(pooling);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        output = null;
        assertInputSet(false);
        if (input.rank() == 4 && input.dataType() == DataType.FLOAT) {
            org.deeplearning4j.nn.conf.layers.ConvolutionLayer conf = layerConf();
            validateInputDepth(getParam(ConvolutionParamInitializer.WEIGHT_KEY).size(1));
            INDArray result = convolution.forward(input, getParam(ConvolutionParamInitializer.WEIGHT_KEY),
                    hasBias() ? getParam(ConvolutionParamInitializer.BIAS_KEY) : null, relu, pooling, training,
                    conf.getKernelSize(),
                    conf.getStride(), conf.getPadding(), convolutionMode, conf.getDilation(), workspaceMgr);
            if (result != null) {
                output = training ? result : null;
                return result;
            }
        }
        convolution.nchw(input);
        return super.activate(training, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        INDArray forward = output;
        // From the fused pooling: the pooled-shape gradient, spread image by image below, or here in full.
        boolean pooled = pooling != null && pooling.gave(epsilon);
        if (forward != null && epsilon.dataType() == DataType.FLOAT
                && (pooled || Arrays.equals(forward.shape(), epsilon.shape()))) {
            assertInputSet(true);
            org.deeplearning4j.nn.conf.layers.ConvolutionLayer conf = layerConf();
            INDArray biasGradient = hasBias() ? gradientViews.get(ConvolutionParamInitializer.BIAS_KEY) : null;
            Pair<Gradient, INDArray> result = convolution.backward(input,
                    getParam(ConvolutionParamInitializer.WEIGHT_KEY), epsilon, relu && !pooled ? forward : null,
                    pooled ? pooling : null, biasGradient, gradientViews.get(ConvolutionParamInitializer.WEIGHT_KEY),
                    conf.getKernelSize(), conf.getStride(), conf.getPadding(), convolutionMode, conf.getDilation(),
                    workspaceMgr);
            if (result != null) {
                return result;
            }
        }
        convolution.nchw(input); // DL4J's code reads them
        convolution.nchw(epsilon);
        if (pooled) {
            // DL4J's path wants the full gradient at the output; it applies the ReLU's gradient again (the same
            // mask: no change).
            return super.backpropGradient(pooling.spread(epsilon, workspaceMgr), workspaceMgr);
        }
        return super.backpropGradient(epsilon, workspaceMgr);
    }

    @Override
    public void clear() {
        // Not the pooling: DL4J's inference clears each layer right after its forward pass, before the next
        // layer takes the pooled output; the pooling layer clears it.
        super.clear();
        output = null;
    }
}
