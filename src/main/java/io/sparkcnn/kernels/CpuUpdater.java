package io.sparkcnn.kernels;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;

import java.util.List;
import java.util.Map;

/**
 * DL4J's MultiLayerUpdater with two costs of DL4J 1.0.0-M2.1 taken out; same state array, same maths.
 * {@link CpuGraphUpdater} does the same for ComputationGraphs.
 *
 * <p>First, DL4J tells a network's own gradient from an "external" one (computed in another network) by
 * object identity with its flattened gradient view, but {@code DefaultGradient.gradient()} returns a new
 * reshaped view on every call, so every update takes the external path, which builds fresh views of the whole
 * parameter and gradient arrays for every parameter (two dozen ND4J arrays per step for the seed CNN, hundreds
 * for a ResNet). A gradient over the network's own gradient memory is passed on as the view itself here.
 *
 * <p>Second, Adam runs as one loop in Java ({@link JavaAdam}) over the state DL4J's AdamUpdater keeps, with
 * libnd4j's formula, instead of a native op whose call (arrays, shape descriptors, the op context) costs more
 * than its arithmetic at small sizes, and whose loop is slower than the Java one at large sizes. Other updaters
 * stay DL4J's. Saved files and the updater state view ({@link #getStateViewArray}: averaged across workers,
 * saved with the model) are DL4J's layout.
 */
final class CpuUpdater extends MultiLayerUpdater {
    CpuUpdater(MultiLayerNetwork network) {
        super(network);
        useJavaAdam(getUpdaterBlocks());
    }

    @Override
    public void update(Gradient gradient, int iteration, int epoch, int batchSize, LayerWorkspaceMgr workspaceMgr) {
        super.update(overOwnView(gradient, getFlattenedGradientsView()), iteration, epoch, batchSize,
                workspaceMgr);
    }

    /** Puts a {@link JavaAdam}, with the same state, in place of each block's DL4J Adam. */
    static void useJavaAdam(List<UpdaterBlock> blocks) {
        for (UpdaterBlock block : blocks) {
            GradientUpdater<?> updater = block.getGradientUpdater();
            if (updater.getClass() == AdamUpdater.class) {
                JavaAdam adam = new JavaAdam((Adam) updater.getConfig());
                adam.setState(updater.getState(), false);
                block.setGradientUpdater(adam);
            }
        }
    }

    /**
     * {@code gradient}, whose flattened array DL4J compares with {@code own} (the network's gradient view) by
     * identity: where it is a view of the same memory, the same gradient with {@code own} as its flattened
     * array, so DL4J takes it for the network's own; else {@code gradient}.
     */
    static Gradient overOwnView(Gradient gradient, INDArray own) {
        INDArray flat = gradient.gradient();
        boolean ownMemory = flat != null && own != null && flat.length() == own.length()
                && flat.data().addressPointer().address() == own.data().addressPointer().address()
                && flat.offset() == own.offset();
        return ownMemory ? new OwnGradient(gradient, own) : gradient;
    }

    /** {@code gradient}, whose flattened array is the network's own gradient view object. */
    private record OwnGradient(Gradient of, INDArray view) implements Gradient {
        @Override
        public Map<String, INDArray> gradientForVariable() {
            return of.gradientForVariable();
        }

        @Override
        public INDArray gradient(List<String> order) {
            return of.gradient(order);
        }

        @Override
        public INDArray gradient() {
            return view;
        }

        @Override
        public void clear() {
            of.clear();
        }

        @Override
        public INDArray getGradientFor(String variable) {
            return of.getGradientFor(variable);
        }

        @Override
        public INDArray setGradientFor(String variable, INDArray value) {
            return of.setGradientFor(variable, value);
        }

        @Override
        public INDArray setGradientFor(String variable, INDArray value, Character flatteningOrder) {
            return of.setGradientFor(variable, value, flatteningOrder);
        }

        @Override
        public Character flatteningOrderForVariable(String variable) {
            return of.flatteningOrderForVariable(variable);
        }
    }
}
