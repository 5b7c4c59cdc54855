package io.sparkcnn.train;

import io.sparkcnn.model.InputShape;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MinibatchesTest {
    private static final InputShape SHAPE = new InputShape(2, 1, 3);

    @Test
    void packsNchwFeaturesAndOneHotLabelsWithAShortLastBatch() {
        List<float[]> images = List.of(new float[] {1, 2, 3, 4, 5, 6}, new float[] {7, 8, 9, 10, 11, 12},
                new float[] {13, 14, 15, 16, 17, 18});
        List<DataSet> batches = Minibatches.of(images, new int[] {2, 0, 1}, SHAPE, 3, 2);
        assertEquals(2, batches.size());
        assertArrayEquals(new long[] {2, 2, 1, 3}, batches.get(0).getFeatures().shape());
        assertEquals(9f, batches.get(0).getFeatures().getFloat(1, 0, 0, 2), 0f, "image 1, channel 0, x 2");
        assertEquals(10f, batches.get(0).getFeatures().getFloat(1, 1, 0, 0), 0f, "image 1, channel 1, x 0");
        assertArrayEquals(new float[] {0, 0, 1, 1, 0, 0}, batches.get(0).getLabels().data().asFloat());
        assertArrayEquals(new long[] {1, 2, 1, 3}, batches.get(1).getFeatures().shape());
        assertArrayEquals(new float[] {0, 1, 0}, batches.get(1).getLabels().data().asFloat());
    }

    @Test
    void smoothedLabelsKeepEachRowsSumAndZeroSmoothingIsOneHotExactly() {
        InputShape shape = new InputShape(1, 1, 1);
        List<float[]> images = List.of(new float[] {0.1f}, new float[] {0.2f});
        float[][] smooth = Minibatches.of(images, new int[] {2, 0}, shape, 4, 2, 0.1).get(0).getLabels()
                .toFloatMatrix();
        assertArrayEquals(new float[] {0.025f, 0.025f, 0.925f, 0.025f}, smooth[0], 1e-7f);
        assertArrayEquals(new float[] {0.925f, 0.025f, 0.025f, 0.025f}, smooth[1], 1e-7f);
        assertEquals(Minibatches.of(images, new int[] {2, 0}, shape, 4, 2).get(0).getLabels(),
                Minibatches.of(images, new int[] {2, 0}, shape, 4, 2, 0).get(0).getLabels());
    }

    @Test
    void mismatchesAreErrors() {
        assertThrows(IllegalArgumentException.class,
                () -> Minibatches.of(List.of(new float[6]), new int[] {0, 1}, SHAPE, 3, 2));
        assertThrows(IllegalArgumentException.class,
                () -> Minibatches.of(List.of(new float[5]), new int[] {0}, SHAPE, 3, 2));
        assertThrows(IllegalArgumentException.class,
                () -> Minibatches.of(List.of(new float[6]), new int[] {3}, SHAPE, 3, 2));
    }
}
