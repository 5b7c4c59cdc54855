package io.sparkcnn.model;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class NetworkTest {
    @Test
    void rowsAreTheMatrixRowsWhateverItsLayout() {
        INDArray c = Nd4j.rand(DataType.FLOAT, 5, 7);
        assertArrayEquals(c.toFloatMatrix(), Network.rows(c));
        INDArray f = c.dup('f');
        assertArrayEquals(c.toFloatMatrix(), Network.rows(f));
        // A view that starts inside its buffer and skips columns.
        INDArray view = Nd4j.rand(DataType.FLOAT, 6, 9).get(
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 5),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 8));
        assertArrayEquals(view.toFloatMatrix(), Network.rows(view));
    }

    @Test
    void probabilitiesAreTheOutputAsRows() {
        JobConfig job = JobConfigLoader.load(Optional.empty(), List.of());
        InputShape shape = new InputShape(1, 28, 28);
        Network network = Architectures.build(job.train(), shape, 10, 3).build();
        INDArray features = Nd4j.rand(DataType.FLOAT, 4, 1, 28, 28);
        float[][] expected = network.output(features).toFloatMatrix();
        float[][] rows = network.probabilities(features);
        assertEquals(4, rows.length);
        assertArrayEquals(expected, rows);
    }
}
