package io.sparkcnn.kernels;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * DL4J's activation layer for a ReLU or ReLU6 on float NCHW activations, by {@link OneDnnReLU}: the blocked
 * copy the layer before it left ({@link BlockedCopies}) in, its own out for the layer after, the gradient the same
 * way back. Unlike DL4J's layer it never writes into its input (DL4J's applies the activation in place in
 * inference), which is what lets the layer before offer its copy.
 *
 * <p>Same configuration and saved files as DL4J's layer. {@link CpuKernels} puts one in place of an activation
 * layer with a plain ReLU or ReLU6 and no dropout, where oneDNN is available; other arrays (rank 2, other types)
 * go to DL4J's own code.
 */
final class ReLULayer extends ActivationLayer implements BlockedCopies.Participant {
    private final OneDnnReLU relu;

    /** A layer for {@code conf}; {@link CpuKernels} gives it the state of the layer it replaces. */
    ReLULayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        relu = new OneDnnReLU(cap(conf.getLayer()));
    }

    /** Whether this layer can stand in for {@code layer}: an activation layer with a plain ReLU or ReLU6. */
    static boolean canReplace(Layer layer, DataType dataType) {
        if (!(layer.getClass() == ActivationLayer.class) || dataType != DataType.FLOAT || !OneDnn.available()) {
            return false;
        }
        org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
        return conf.getIDropout() == null && (plainReLU(conf) || activation(conf) instanceof ActivationReLU6);
    }

    private static IActivation activation(org.deeplearning4j.nn.conf.layers.Layer conf) {
        return ((org.deeplearning4j.nn.conf.layers.ActivationLayer) conf).getActivationFn();
    }

    private static boolean plainReLU(org.deeplearning4j.nn.conf.layers.Layer conf) {
        return activation(conf) instanceof ActivationReLU r && r.getMax() == null && r.getThreshold() == null
                && r.getNegativeSlope() == null;
    }

    /** 6 for ReLU6, null for a plain ReLU. */
    private static Double cap(org.deeplearning4j.nn.conf.layers.Layer conf) {
        return plainReLU(conf) ? null : 6.0;
    }

    /** Whether it is a plain ReLU (not ReLU6): a batch norm before it can apply it ({@link OneDnnBatchNorm}). */
    boolean plain() {
        return plainReLU(conf().getLayer());
    }

    /** This layer's ReLU, as a convolution's post-op. */
    OneDnnConvolution.Rectifier rectifier() {
        return relu.rectifier();
    }

    @Override
    public OneDnnKernel oneDnnKernel() {
        return relu;
    }

    private boolean takes(INDArray in) {
        return in.rank() == 4 && in.dataType() == DataType.FLOAT && DenseFloats.dense(in);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (!takes(input)) {
            relu.nchw(input);
            return super.activate(training, workspaceMgr);
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, input.shape(), 'c');
        relu.forward(input, out, training);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        if (!takes(input) || epsilon.dataType() != DataType.FLOAT
                || !Arrays.equals(epsilon.shape(), input.shape())) {
            if (relu.passedThrough(input)) {
                // Never so: the forward pass took the input, and DL4J gives a gradient of its shape.
                throw new IllegalStateException("a ReLU the batch norm before applied cannot take this gradient: "
                        + epsilon.shapeInfoToString());
            }
            relu.nchw(input);
            relu.nchw(epsilon);
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        INDArray gradient = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT,
                input.shape(), 'c');
        relu.backward(input, DenseFloats.denseOrCopy(epsilon), gradient);
        return new Pair<>(new DefaultGradient(), gradient);
    }
}
