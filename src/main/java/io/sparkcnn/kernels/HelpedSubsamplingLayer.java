package io.sparkcnn.kernels;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingHelper;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * DL4J's SubsamplingLayer whose forward pass also goes through its helper. Why: DL4J 1.0.0-M2.1 asks the
 * helper for the backward pass only; its forward pass always runs libnd4j's maxpool2d, which dominates
 * inference once the convolution is fast. When the helper declines,
 * DL4J's forward pass runs; masks, configuration and what gets saved are DL4J's.
 *
 * <p>When the convolution before it pooled its own output ({@link FusedMaxPooling}) and this layer's input is
 * that output, the forward pass returns that pooling and the backward pass returns the pooled-shape gradient
 * with the ReLU's gradient applied, which only that convolution reads (it recognises the array); otherwise
 * the backward pass is the helper's or DL4J's, the gradient at this layer's input.
 *
 * <p>{@link CpuKernels} puts one in place of each plain SubsamplingLayer of a network, with the same
 * configuration and state.
 */
final class HelpedSubsamplingLayer extends SubsamplingLayer {
    private FusedMaxPooling fused;
    /** Whether the input set last is the output the convolution before this layer pooled. */
    private boolean inputPooled;

    /** A layer for {@code conf}; {@link CpuKernels} gives it the state of the layer it replaces. */
    HelpedSubsamplingLayer(NeuralNetConfiguration conf, DataType dataType, SubsamplingHelper helper) {
        super(conf, dataType);
        this.helper = helper;
    }

    /** Max pooling over 2x2 windows with stride 2, no padding (each input in at most one window), NCHW. */
    boolean tiles2x2() {
        org.deeplearning4j.nn.conf.layers.SubsamplingLayer conf = layerConf();
        return conf.getPoolingType() == PoolingType.MAX && Arrays.equals(conf.getKernelSize(), new int[] {2, 2})
                && Arrays.equals(conf.getStride(), new int[] {2, 2})
                && Arrays.equals(conf.getPadding(), new int[] {0, 0})
                && Arrays.equals(conf.getDilation(), new int[] {1, 1})
                && conf.getCnn2dDataFormat() == CNN2DFormat.NCHW && convolutionMode == ConvolutionMode.Truncate;
    }

    /** The pooling the convolution before this layer computes, used when this layer's input is its output. */
    void takePoolingFrom(FusedMaxPooling fused) {
        this.fused = fused;
    }

    @Override
    public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        // DL4J may copy the input into another workspace here (it does for inference): match it before.
        inputPooled = fused != null && fused.pooled(input);
        super.setInput(input, workspaceMgr);
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        if (inputPooled) {
            // In DL4J's inference the previous layer's activations live in another workspace than this one's.
            return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, fused.pooled());
        }
        if (input.rank() == 4 && helper != null) {
            org.deeplearning4j.nn.conf.layers.SubsamplingLayer conf = layerConf();
            INDArray output = helper.activate(input.castTo(dataType), training, conf.getKernelSize(),
                    conf.getStride(), conf.getPadding(), conf.getPoolingType(), convolutionMode,
                    conf.getDilation(), conf.getCnn2dDataFormat(), workspaceMgr);
            if (output != null) {
                return output;
            }
        }
        return super.activate(training, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (helper instanceof BlockedCopies.Participant pooling) {
            pooling.nchw(epsilon); // read as an array below (the fused pooling's, DL4J's)
        }
        if (inputPooled) {
            assertInputSet(true);
            INDArray gradient = fused.backward(epsilon, workspaceMgr);
            if (gradient != null) {
                return new Pair<>(new DefaultGradient(), gradient);
            }
        }
        return super.backpropGradient(epsilon, workspaceMgr);
    }

    @Override
    public void clear() {
        super.clear();
        inputPooled = false;
        if (fused != null) {
            fused.clear();
        }
    }
}
