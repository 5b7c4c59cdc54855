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

    /**
     * A batch larger than the inference chunk gives what DL4J gives for the whole batch at once: outputs in
     * order, and the loss as the mean over every image (chunks of 32, 32 and 6 for 70 images).
     */
    @Test
    void largeBatchesInferInChunksAsDl4jInfersTheWhole() {
        JobConfig job = JobConfigLoader.load(Optional.empty(), List.of("model.architecture=resnet"));
        InputShape shape = new InputShape(1, 12, 12);
        Network network = Architectures.build(job.train(), shape, 4, 3).build();
        org.deeplearning4j.nn.graph.ComputationGraph graph = (org.deeplearning4j.nn.graph.ComputationGraph)
                network.dl4j();
        int n = 2 * Network.INFERENCE_CHUNK + 6;
        Nd4j.getRandom().setSeed(7);
        INDArray features = Nd4j.rand(DataType.FLOAT, n, 1, 12, 12);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, n, 4);
        for (int i = 0; i < n; i++) {
            labels.putScalar(i, i % 4, 1f);
        }
        INDArray chunked = network.output(features);
        double chunkedLoss = network.score(new org.nd4j.linalg.dataset.DataSet(features, labels));
        // DL4J's own execution of the whole batch: the same configuration and parameters without CpuKernels.
        org.deeplearning4j.nn.graph.ComputationGraph whole = new org.deeplearning4j.nn.graph.ComputationGraph(
                graph.getConfiguration().clone());
        whole.init(graph.params().dup(), true);
        INDArray expected = whole.outputSingle(false, features);
        assertArrayEquals(expected.shape(), chunked.shape());
        assertEquals(0, expected.sub(chunked).amaxNumber().doubleValue(), 1e-5);
        assertEquals(whole.score(new org.nd4j.linalg.dataset.DataSet(features, labels), false), chunkedLoss, 1e-5);
    }

    /** Every network infers in chunks on the CPU engine; DL4J's own kernels (for comparison) infer whole batches. */
    @Test
    void networksOnTheCpuEngineInferInChunks() {
        InputShape shape = new InputShape(1, 28, 28);
        for (String architecture : List.of("seed-cnn", "deep-cnn", "resnet")) {
            JobConfig job = JobConfigLoader.load(Optional.empty(), List.of("model.architecture=" + architecture));
            Network network = Architectures.build(job.train(), shape, 10, 3).build();
            assertEquals(Network.INFERENCE_CHUNK, network.inferenceChunk(), architecture);
        }
        System.setProperty(io.sparkcnn.config.Settings.DL4J_KERNELS.name(), "true");
        try {
            JobConfig job = JobConfigLoader.load(Optional.empty(), List.of("model.architecture=deep-cnn"));
            assertEquals(Integer.MAX_VALUE, Architectures.build(job.train(), shape, 10, 3).build().inferenceChunk());
        } finally {
            System.clearProperty(io.sparkcnn.config.Settings.DL4J_KERNELS.name());
        }
    }
}
