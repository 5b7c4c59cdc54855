package io.sparkcnn.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;

import java.nio.FloatBuffer;
import java.util.Map;

/**
 * DL4J's AdamUpdater with its update in Java: libnd4j's {@code adamUpdater} in float, element by element
 * ({@code m = b1 m + (1 - b1) g}, {@code u = b2 u + (1 - b2) g^2},
 * {@code g = m lr sqrt(1 - b2^t) / (1 - b1^t) / (sqrt(u) + eps)}, t = iteration + 1), on the same state
 * views, in SIMD lanes where the JVM has the Vector API. Arrays that are not dense floats go to DL4J's op.
 */
final class JavaAdam extends AdamUpdater {
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
        int n = (int) gradient.length();
        if (VectorApi.PRESENT && 4L * n <= Integer.MAX_VALUE) {
            VectorAdam.step(DenseFloats.bytes(gradient), DenseFloats.bytes(m), DenseFloats.bytes(u), n, beta1, beta2,
                    step, epsilon);
        } else {
            step(DenseFloats.of(gradient), DenseFloats.of(m), DenseFloats.of(u), n, beta1, beta2, step, epsilon);
        }
    }

    /**
     * The update of {@code n} elements in place: m and u become the new moments, g the step to subtract. The
     * same operations in the same order as {@link VectorAdam#step}, one element at a time.
     */
    static void step(FloatBuffer g, FloatBuffer m, FloatBuffer u, int n, float beta1, float beta2, float step,
                     float epsilon) {
        for (int i = 0; i < n; i++) {
            float gi = g.get(i);
            float mi = beta1 * m.get(i) + gi * (1f - beta1);
            float ui = beta2 * u.get(i) + gi * gi * (1f - beta2);
            m.put(i, mi);
            u.put(i, ui);
            g.put(i, mi * step / ((float) Math.sqrt(ui) + epsilon));
        }
    }
}
