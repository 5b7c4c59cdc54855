package io.sparkcnn.model;

import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.data.LabelIndex;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Growing a trained network's output layer for new classes keeps what it knows about the old ones. */
class OutputGrowthTest {
    private static final InputShape SHAPE = new InputShape(1, 28, 28);

    private static Network net(String architecture, int classes, long seed) {
        TrainConfig t = JobConfigLoader.load(Optional.empty(), List.of("model.architecture=" + architecture)).train();
        return Architectures.build(t, SHAPE, classes, seed).build();
    }

    @Test
    void aSilencedGrownNetworkPredictsExactlyAsTheOldOneAndNeverTheNewClass() {
        for (String architecture : List.of("seed-cnn", "resnet")) {
            Network old = net(architecture, 3, 1);
            Network wider = net(architecture, 5, 2);
            OutputGrowth.grow(old, wider, 3, true);
            INDArray x = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 1, 28, 28);
            INDArray before = old.output(x);
            INDArray after = wider.output(x);
            assertEquals(5, after.columns(), architecture);
            assertArrayEquals(before.data().asFloat(), after.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3)).dup().data().asFloat(), 1e-6f, architecture);
            assertEquals(0.0, after.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(3, 5)).sumNumber().doubleValue(), 0.0, architecture);
        }
    }

    @Test
    void aGrownChallengerKeepsTheOldColumnsAndTheNewColumnsFreshInit() {
        Network old = net("seed-cnn", 3, 1);
        Network wider = net("seed-cnn", 4, 2);
        INDArray freshW = wider.dl4j().paramTable().get("2_W").dup();
        OutputGrowth.grow(old, wider, 3, false);
        INDArray w = wider.dl4j().paramTable().get("2_W");
        assertEquals(old.dl4j().paramTable().get("2_W"), w.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3)));
        assertEquals(freshW.getColumn(3), w.getColumn(3));
        assertEquals(old.dl4j().paramTable().get("0_W"), wider.dl4j().paramTable().get("0_W"));
    }

    @Test
    void anotherArchitectureIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> OutputGrowth.grow(net("seed-cnn", 3, 1),
                net("lenet", 4, 1), 3, false));
    }

    @Test
    void aGrownLabelIndexKeepsTheOldIdsAndReadsBackInItsOrder() {
        LabelIndex old = LabelIndex.of(List.of("shirt", "shoe"));
        LabelIndex grown = old.extendedWith(List.of("bag", "shoe", "anorak"));
        assertEquals(List.of("shirt", "shoe", "anorak", "bag"), grown.labels());
        assertEquals(LabelIndex.inOrder(grown.labels()), grown);
        assertThrows(IllegalArgumentException.class, () -> LabelIndex.inOrder(List.of("a", "a")));
    }
}
