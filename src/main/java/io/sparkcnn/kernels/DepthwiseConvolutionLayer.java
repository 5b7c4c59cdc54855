package io.sparkcnn.kernels;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.DepthwiseConvolution2DLayer;
import org.deeplearning4j.nn.params.DepthwiseConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * DL4J's depthwise convolution layer (MobileNetV2's 3x3 layers) with its forward pass and both gradients by
 * oneDNN's grouped convolution ({@link OneDnnConvolution}, one group per input channel), reading and writing
 * DL4J's own weight layout {@code [kH, kW, inChannels, multiplier]}. Why: DL4J 1.0.0-M2.1's layer calls
 * libnd4j's depthwise_conv2d ops, which ran MobileNetV2 dozens of times slower than PyTorch (no helper slot
 * to put a kernel in, so this layer object stands in for DL4J's).
 *
 * <p>Same parameters, configuration and saved files as DL4J's layer. {@link CpuKernels} puts one in place of
 * a float NCHW depthwise layer with no bias, identity activation, dropout or weight noise, where oneDNN is
 * available; a call it cannot take (another data type, a geometry oneDNN refuses) goes to DL4J's own code.
 */
final class DepthwiseConvolutionLayer extends DepthwiseConvolution2DLayer implements BlockedCopies.Participant {
    private static final String WEIGHTS = DepthwiseConvolutionParamInitializer.WEIGHT_KEY;
    private final OneDnnConvolution convolution = new OneDnnConvolution(true);

    /** A layer for {@code conf}; {@link CpuKernels} gives it the state of the layer it replaces. */
    DepthwiseConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public OneDnnKernel oneDnnKernel() {
        return convolution;
    }

    /** Whether this layer can stand in for {@code layer}: plain float NCHW, no bias, identity, no noise. */
    static boolean canReplace(Layer layer, DataType dataType) {
        if (layer.getClass() != DepthwiseConvolution2DLayer.class || dataType != DataType.FLOAT
                || !OneDnn.available()) {
            return false;
        }
        DepthwiseConvolution2D conf = (DepthwiseConvolution2D) layer.conf().getLayer();
        return conf.getCnn2dDataFormat() == CNN2DFormat.NCHW && !conf.hasBias() && conf.getIDropout() == null
                && conf.getWeightNoise() == null && conf.getActivationFn() instanceof ActivationIdentity;
    }

    private ConvolutionGeometry geometry(INDArray in, INDArray weights) {
        DepthwiseConvolution2D conf = (DepthwiseConvolution2D) layerConf();
        WindowGeometry window = WindowGeometry.of(in, conf.getKernelSize(), conf.getStride(), conf.getPadding(),
                convolutionMode, conf.getDilation());
        int channels = (int) in.size(1);
        return new ConvolutionGeometry((int) in.size(0), channels, (int) in.size(2), (int) in.size(3),
                channels * (int) weights.size(3), (int) weights.size(0), (int) weights.size(1), window.outH(),
                window.outW(), conf.getStride(), window.pad(), conf.getDilation());
    }

    private boolean takes(INDArray in, INDArray weights) {
        return in.rank() == 4 && in.dataType() == DataType.FLOAT && DenseFloats.dense(weights)
                && in.size(1) == weights.size(2);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        INDArray weights = getParam(WEIGHTS);
        if (takes(input, weights)) {
            INDArray in = DenseFloats.denseOrCopy(input);
            ConvolutionGeometry g = geometry(in, weights);
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                    new long[] {g.minibatch(), g.outChannels(), g.outH(), g.outW()}, 'c');
            if (convolution.forward(in, weights, null, false, out, g, training, true)) {
                return out;
            }
        }
        convolution.nchw(input);
        return super.activate(training, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray weights = getParam(WEIGHTS);
        INDArray weightGradient = gradientViews.get(WEIGHTS);
        if (takes(input, weights) && epsilon.dataType() == DataType.FLOAT && DenseFloats.dense(weightGradient)) {
            INDArray in = DenseFloats.denseOrCopy(input);
            ConvolutionGeometry g = geometry(in, weights);
            if (Arrays.equals(epsilon.shape(), new long[] {g.minibatch(), g.outChannels(), g.outH(), g.outW()})
                    && convolution.handles(g)) {
                INDArray inputGradient = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD,
                        DataType.FLOAT, in.shape(), 'c');
                convolution.backward(in, weights, DenseFloats.denseOrCopy(epsilon), weightGradient, null, inputGradient,
                        g);
                Gradient gradient = new DefaultGradient();
                gradient.gradientForVariable().put(WEIGHTS, weightGradient);
                return new Pair<>(gradient, inputGradient);
            }
        }
        convolution.nchw(input);
        convolution.nchw(epsilon);
        return super.backpropGradient(epsilon, workspaceMgr);
    }
}
