package io.sparkcnn.kernels;

import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pooling planes in SIMD lanes ({@link VectorPlanes}) give the scalar loop's results bit for bit: the
 * convolution output after bias and ReLU, the pooled output and each window's chosen input (seen through the
 * gradient spread to it), on planes full of ties, zeros of both signs and negatives, for widths that take one
 * chunk, several, an overlapping last chunk, an odd last row and column, or too narrow for the lanes.
 */
class VectorPlanesTest {
    @Test
    void theTestJvmHasTheVectorModule() {
        assertTrue(FusedMaxPooling.VECTOR, "the test JVM lacks --add-modules=jdk.incubator.vector (pom.xml "
                + "vector.module): the vector planes would go untested");
    }

    @Test
    void vectorPlanesGiveTheScalarLoopsResultsBitForBit() {
        Random random = new Random(7);
        int[][] shapes = {{2, 3, 26, 26}, {2, 3, 13, 13}, {1, 2, 9, 9}, {1, 2, 8, 8}, {1, 2, 7, 7}, {1, 1, 32, 40},
                {3, 2, 6, 17}, {1, 1, 2, 2}};
        for (int[] shape : shapes) {
            for (boolean training : new boolean[] {true, false}) {
                float[] values = outputs(random, shape);
                float[] biases = biases(random, shape);
                String what = java.util.Arrays.toString(shape) + (training ? " training" : " inference");
                Planes scalar = run(new FusedMaxPooling(false), values, shape, biases, training);
                Planes vector = run(new FusedMaxPooling(true), values, shape, biases, training);
                assertArrayEquals(bits(scalar.output), bits(vector.output), what + ": output after bias and ReLU");
                assertArrayEquals(bits(scalar.pooled), bits(vector.pooled), what + ": pooled output");
                if (training) {
                    assertArrayEquals(bits(scalar.spread), bits(vector.spread), what + ": chosen inputs");
                }
            }
        }
    }

    /**
     * Inference whose convolution output only the pooling reads pools before bias and ReLU: the pooled output is
     * the training pass's bit for bit, in lanes and in scalar code, and the output keeps the convolution's values.
     */
    @Test
    void poolingFirstGivesThePooledOutputOfBiasAndReLUFirst() {
        Random random = new Random(11);
        int[][] shapes = {{2, 3, 26, 26}, {2, 3, 13, 13}, {1, 2, 9, 9}, {1, 2, 8, 8}, {1, 1, 32, 40}, {3, 2, 6, 17},
                {1, 1, 2, 2}};
        for (int[] shape : shapes) {
            float[] values = outputs(random, shape);
            float[] biases = biases(random, shape);
            String what = java.util.Arrays.toString(shape);
            Planes reference = run(new FusedMaxPooling(false), values, shape, biases, true);
            for (boolean vector : new boolean[] {false, true}) {
                FusedMaxPooling pooling = new FusedMaxPooling(vector);
                Planes first = run(pooling, values, shape, biases, false, true);
                assertArrayEquals(bits(reference.pooled), bits(first.pooled), what + (vector ? " lanes" : " scalar"));
                assertArrayEquals(bits(Nd4j.create(values)), bits(first.output.reshape(values.length)),
                        what + ": the convolution's values kept");
                assertEquals((long) shape[0] * shape[1], pooling.pooledFirst(), what + ": planes pooled first");
            }
        }
    }

    /** A convolution output full of ties, zeros of both signs and negatives. */
    private static float[] outputs(Random random, int[] shape) {
        float[] values = new float[shape[0] * shape[1] * shape[2] * shape[3]];
        float[] choices = {-2f, -1f, -0f, 0f, 0f, 0.5f, 1f, 1f, 2f};
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextInt(3) == 0 ? (float) random.nextGaussian()
                    : choices[random.nextInt(choices.length)];
        }
        return values;
    }

    /** Per channel: zero or a small bias of either sign. */
    private static float[] biases(Random random, int[] shape) {
        float[] biases = new float[shape[1]];
        for (int c = 0; c < biases.length; c++) {
            biases[c] = random.nextBoolean() ? 0f : (float) random.nextGaussian() * 0.5f;
        }
        return biases;
    }

    private record Planes(INDArray output, INDArray pooled, INDArray spread) {
    }

    private static Planes run(FusedMaxPooling pooling, float[] values, int[] shape, float[] biases,
                              boolean training) {
        return run(pooling, values, shape, biases, training, false);
    }

    private static Planes run(FusedMaxPooling pooling, float[] values, int[] shape, float[] biases,
                              boolean training, boolean outputUnread) {
        LayerWorkspaceMgr none = LayerWorkspaceMgr.noWorkspaces();
        INDArray output = Nd4j.create(values, new long[] {shape[0], shape[1], shape[2], shape[3]}, 'c');
        pooling.start(output, training, outputUnread, none);
        int plane = shape[2] * shape[3];
        for (int p = 0; p < shape[0] * shape[1]; p++) {
            pooling.plane(p * plane, shape[2], shape[3], biases[p % shape[1]], p);
        }
        pooling.finish(output);
        INDArray pooled = pooling.pooled().dup();
        INDArray spread = null;
        if (training) {
            // A distinct gradient per window, so that a window whose choice differs moves a distinct value.
            INDArray epsilon = Nd4j.linspace(1, pooled.length(), pooled.length(), DataType.FLOAT)
                    .reshape(pooled.shape());
            spread = pooling.spread(pooling.backward(epsilon, none), none).dup();
        }
        return new Planes(output.dup(), pooled, spread);
    }

    private static int[] bits(INDArray a) {
        float[] f = a.data().asFloat();
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = Float.floatToRawIntBits(f[i]);
        }
        return out;
    }
}
