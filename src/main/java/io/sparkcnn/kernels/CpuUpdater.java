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

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;

/**
 * DL4J's MultiLayerUpdater with two costs of DL4J 1.0.0-M2.1 taken out; same state array, same maths.
 *
 * <p>First, DL4J tells a network's own gradient from an "external" one (computed in another network) by
 * object identity with its flattened gradient view, but {@code DefaultGradient.gradient()} returns a new
 * reshaped view on every call, so every update of a MultiLayerNetwork takes the external path, which builds
 * fresh views of the whole parameter and gradient arrays for every parameter (two dozen ND4J arrays per step for
 * the seed CNN). A gradient over the network's own gradient memory is passed on as the view itself here.
 *
 * <p>Second, Adam runs as one loop in Java ({@link JavaAdam}) over the state DL4J's AdamUpdater keeps, with
 * libnd4j's formula, instead of a native op whose call (arrays, shape descriptors, the op context) costs more
 * than its arithmetic at these sizes. Other updaters stay DL4J's. Saved files and the updater state view
 * ({@link #getStateViewArray}: averaged across workers, saved with the model) are DL4J's layout.
 */
final class CpuUpdater extends MultiLayerUpdater {
    CpuUpdater(MultiLayerNetwork network) {
        super(network);
        for (UpdaterBlock block : getUpdaterBlocks()) {
            GradientUpdater<?> updater = block.getGradientUpdater();
            if (updater.getClass() == AdamUpdater.class) {
                JavaAdam adam = new JavaAdam((Adam) updater.getConfig());
                adam.setState(updater.getState(), false);
                block.setGradientUpdater(adam);
            }
        }
    }

    @Override
    public void update(Gradient gradient, int iteration, int epoch, int batchSize, LayerWorkspaceMgr workspaceMgr) {
        INDArray own = getFlattenedGradientsView();
        INDArray flat = gradient.gradient();
        boolean ownMemory = flat != null && own != null && flat.length() == own.length()
                && flat.data().addressPointer().address() == own.data().addressPointer().address()
                && flat.offset() == own.offset();
        super.update(ownMemory ? new OwnGradient(gradient, own) : gradient, iteration, epoch, batchSize,
                workspaceMgr);
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

    /**
     * DL4J's AdamUpdater with its update in Java: libnd4j's {@code adamUpdater} in float, element by element
     * ({@code m = b1 m + (1 - b1) g}, {@code u = b2 u + (1 - b2) g^2},
     * {@code g = m lr sqrt(1 - b2^t) / (1 - b1^t) / (sqrt(u) + eps)}, t = iteration + 1), on the same state
     * views. Arrays that are not dense floats go to DL4J's op.
     */
    static final class JavaAdam extends AdamUpdater {
        private INDArray m;
        private INDArray u;

        JavaAdam(Adam config) {
            super(config);
        }

        @Override
        public void setState(Map<String, INDArray> stateMap, boolean initialize) {
            super.setState(stateMap, initialize);
            m = stateMap.get(M_STATE);
            u = stateMap.get(V_STATE);
        }

        @Override
        public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder,
                                      boolean initialize) {
            super.setStateViewArray(viewArray, gradientShape, gradientOrder, initialize);
            Map<String, INDArray> state = getState();
            m = state.get(M_STATE);
            u = state.get(V_STATE);
        }

        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            if (m == null || u == null || !DenseFloats.dense(gradient) || !DenseFloats.dense(m)
                    || !DenseFloats.dense(u) || gradient.length() != m.length() || m.length() != u.length()) {
                super.applyUpdater(gradient, iteration, epoch);
                return;
            }
            Adam config = getConfig();
            float rate = (float) config.getLearningRate(iteration, epoch);
            float beta1 = (float) config.getBeta1();
            float beta2 = (float) config.getBeta2();
            float epsilon = (float) config.getEpsilon();
            float t = iteration + 1;
            float beta1T = (float) Math.pow(beta1, t);
            float beta2T = (float) Math.pow(beta2, t);
            float step = rate * (float) Math.sqrt(1f - beta2T) / (1f - beta1T);
            if (Float.isNaN(step) || Float.isInfinite(step) || step == 0f) {
                step = epsilon; // as libnd4j
            }
            FloatBuffer g = DenseFloats.of(gradient);
            FloatBuffer mb = DenseFloats.of(m);
            FloatBuffer ub = DenseFloats.of(u);
            int n = (int) gradient.length();
            for (int i = 0; i < n; i++) {
                float gi = g.get(i);
                float mi = beta1 * mb.get(i) + gi * (1f - beta1);
                float ui = beta2 * ub.get(i) + gi * gi * (1f - beta2);
                mb.put(i, mi);
                ub.put(i, ui);
                g.put(i, mi * step / ((float) Math.sqrt(ui) + epsilon));
            }
        }
    }
}
