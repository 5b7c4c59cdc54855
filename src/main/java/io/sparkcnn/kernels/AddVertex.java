package io.sparkcnn.kernels;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.ElementWiseVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * DL4J's element-wise add vertex (a ResNet's or MobileNetV2's residual add) whose sum of two float NCHW arrays
 * runs in {@link OneDnnAdd} where its inputs come from oneDNN layers in their blocked layout, and whose output
 * goes on in that layout ({@link BlockedCopies}): no reorders to NCHW and back around the add. Backwards, the
 * gradient at its output passes to both inputs; where it arrives in that layout only, it goes on so to an input
 * whose layer reads it through its kernel, and is written once for the other. Other inputs (other shapes, types,
 * more than two arrays) are DL4J's code.
 * Same configuration and saved files as DL4J's vertex; {@link CpuKernels} puts one in its place.
 */
final class AddVertex extends ElementWiseVertex implements BlockedCopies.Participant {
    private final OneDnnAdd add = new OneDnnAdd();
    /** Whether the last forward pass was this vertex's own (DL4J's backward pass counts the inputs of its own). */
    private boolean summed;
    /** The input whose vertex may be handed the gradient in oneDNN's layout only, or -1 ({@link #handGradientTo}). */
    private int handedTo = -1;
    private long handedOn;

    /** A vertex in {@code original}'s place: same graph, name, index, inputs, outputs and data type. */
    AddVertex(ComputationGraph graph, GraphVertex original) {
        super(graph, original.getVertexName(), original.getVertexIndex(), original.getInputVertices(),
                original.getOutputVertices(), Op.Add, DataType.FLOAT);
        setOutputVertex(original.isOutputVertex());
    }

    @Override
    public OneDnnKernel oneDnnKernel() {
        return add;
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoForward()) {
            throw new IllegalStateException("cannot do forward pass: inputs not set");
        }
        if (inputs.length != 2 || !takes(inputs[0]) || !takes(inputs[1])
                || !Arrays.equals(inputs[0].shape(), inputs[1].shape()) || !add.blocked(inputs[0], inputs[1])) {
            for (INDArray in : inputs) {
                add.nchw(in);
            }
            summed = false;
            return super.doForward(training, workspaceMgr);
        }
        summed = true;
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, inputs[0].shape(),
                'c');
        add.forward(inputs[0], inputs[1], out);
        return out;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        if (!summed) {
            add.nchw(epsilon);
            return super.doBackward(tbptt, workspaceMgr);
        }
        if (!canDoBackward()) {
            throw new IllegalStateException("cannot do backward pass: errors not set");
        }
        INDArray[] gradients = new INDArray[inputs.length];
        BlockedCopies copies = add.copies();
        if (handedTo >= 0 && copies != null && copies.leftUnwritten(epsilon)) {
            // The gradient at the output was left in oneDNN's layout (the ReLU after the add): written straight
            // into the other input's gradient, and handed on as it is to the one whose kernel reads it so.
            for (int i = 0; i < gradients.length; i++) {
                gradients[i] = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT,
                        epsilon.shape(), 'c');
                if (i != handedTo) {
                    copies.writeInto(epsilon, gradients[i]);
                }
            }
            copies.handOn(epsilon, gradients[handedTo]);
            handedOn++;
            return new Pair<>(null, gradients);
        }
        // As DL4J's vertex: each input's gradient is a copy of the output's.
        add.nchw(epsilon);
        for (int i = 0; i < gradients.length; i++) {
            gradients[i] = workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, epsilon);
        }
        return new Pair<>(null, gradients);
    }

    /**
     * Lets the backward pass hand input {@code input}'s gradient on in oneDNN's layout, unwritten: that input's
     * vertex is a oneDNN layer whose backward pass reads its gradient through its kernel, and this vertex is its
     * only reader (the graph adds the gradients of several readers together in NCHW, in place).
     */
    void handGradientTo(int input) {
        handedTo = input;
    }

    /** How many backward passes handed a gradient on unwritten. */
    long handedOn() {
        return handedOn;
    }

    private static boolean takes(INDArray in) {
        return in.rank() == 4 && in.dataType() == DataType.FLOAT && DenseFloats.dense(in);
    }
}
