package io.sparkcnn.model;

import io.sparkcnn.config.Architecture;
import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.Normalisation;
import io.sparkcnn.testing.TestProvenance;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** model.init and model.freeze: what a fine-tuned run starts from, for layer stacks, graphs and DL4J zips. */
class FineTuningTest {
    private static final InputShape GREY = new InputShape(1, 28, 28);

    private static TrainConfig train(String architecture, String... more) {
        List<String> all = new java.util.ArrayList<>(List.of("model.architecture=" + architecture));
        all.addAll(List.of(more));
        return JobConfigLoader.load(Optional.empty(), all).train();
    }

    /** A "trained" network: freshly built, its parameters moved so that no two columns agree by chance. */
    private static SavedModel trained(String architecture, LabelIndex labels) {
        Network n = Architectures.build(train(architecture), GREY, labels.size(), 5).build();
        Nd4j.getRandom().setSeed(8);
        n.setParams(n.params().add(Nd4j.rand(DataType.FLOAT, n.params().shape()).subi(0.5)));
        return new SavedModel(n, labels, GREY, Normalisation.unit(), TestProvenance.of("fine-tuning test", 5));
    }

    private static Network started(FineTuning.Start start) {
        Network n = start.spec().build();
        n.setParams(Nd4j.createFromArray(start.params()));
        return n;
    }

    private static DataSet batch(int classes) {
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 1, 28, 28);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, classes);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, i % classes, 1f);
        }
        return new DataSet(x, y);
    }

    @Test
    void theOutputLayerIsReplacedForOtherClassesKeepingTheSharedOnesByName() {
        SavedModel source = trained("seed-cnn", LabelIndex.of(List.of("circle", "square", "triangle")));
        LabelIndex lake = LabelIndex.of(List.of("square", "star", "triangle"));
        FineTuning.Start start = FineTuning.prepare(FineTuning.Source.of(source, "src"), GREY, lake,
                train("seed-cnn"), 42, "");
        assertTrue(start.description().contains("2 carried over by name [square, triangle]"), start.description());
        Network tuned = started(start);
        Map<String, INDArray> before = source.network().dl4j().paramTable();
        Map<String, INDArray> after = tuned.dl4j().paramTable();
        assertEquals(before.get("0_W"), after.get("0_W"), "the convolution starts from the source's weights");
        INDArray oldW = before.get("2_W");
        INDArray newW = after.get("2_W");
        assertEquals(3, newW.size(1));
        assertEquals(oldW.getColumn(1), newW.getColumn(0), "square: the source's square column");
        assertEquals(oldW.getColumn(2), newW.getColumn(2), "triangle");
        assertEquals(before.get("2_b").getFloat(1), after.get("2_b").getFloat(0));
        for (int j = 0; j < 3; j++) {
            assertFalse(oldW.getColumn(j).equals(newW.getColumn(1)), "star is new: initialised afresh");
        }

        FineTuning.Start same = FineTuning.prepare(FineTuning.Source.of(source, "src"), GREY, source.labels(),
                train("seed-cnn"), 42, "");
        assertArrayEquals(source.network().params().data().asFloat(), same.params(), 0f, "same classes: all kept");
    }

    @Test
    void frozenLayersKeepTheirWeightsAndTheOptimiserIsTheJobs() {
        SavedModel source = trained("lenet", LabelIndex.of(List.of("a", "b", "c")));
        FineTuning.Start start = FineTuning.prepare(FineTuning.Source.of(source, "src"), GREY, source.labels(),
                train("lenet", "train.updater=sgd", "train.learningRate=0.5"), 42, "2");
        Network tuned = started(start);
        assertTrue(start.spec().json().contains("FrozenLayer"), "layers 0-2 frozen in the configuration workers get");
        assertTrue(start.spec().json().contains("\"Sgd\"") || start.spec().json().contains("Sgd"),
                "the job's updater");
        Map<String, INDArray> before = copy(tuned.dl4j().paramTable());
        tuned.fit(batch(3));
        Map<String, INDArray> after = tuned.dl4j().paramTable();
        assertEquals(before.get("0_W"), after.get("0_W"), "frozen");
        assertEquals(before.get("2_W"), after.get("2_W"), "frozen up to and including layer 2");
        assertFalse(before.get("4_W").equals(after.get("4_W")), "a layer after the frozen ones trains");

        ConfigException missing = assertThrows(ConfigException.class, () -> FineTuning.prepare(
                FineTuning.Source.of(source, "src"), GREY, source.labels(), train("lenet"), 42, "conv9"));
        assertEquals("model.freeze", missing.key());
        assertTrue(missing.getMessage().contains("the layers are 0 to 6"), missing.getMessage());
        ConfigException output = assertThrows(ConfigException.class, () -> FineTuning.prepare(
                FineTuning.Source.of(source, "src"), GREY, source.labels(), train("lenet"), 42, "6"));
        assertTrue(output.getMessage().contains("output layer"), output.getMessage());
        ConfigException shape = assertThrows(ConfigException.class, () -> FineTuning.prepare(
                FineTuning.Source.of(source, "src"), new InputShape(3, 28, 28), source.labels(), train("lenet"), 42,
                ""));
        assertEquals("model.init", shape.key());
    }

    @Test
    void aDl4jZipOfAGraphIsFineTunedWithItsOutputReplaced() throws IOException {
        SavedModel source = trained("resnet", LabelIndex.of(List.of("0", "1", "2", "3", "4")));
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        ModelSerializer.writeModel(source.network().dl4j(), zip, false);
        ComputationGraph graph = (ComputationGraph) source.network().dl4j();
        String first = graph.getConfiguration().getTopologicalOrderStr().stream()
                .filter(v -> graph.getConfiguration().getVertices().get(v) instanceof LayerVertex).findFirst()
                .orElseThrow();
        LabelIndex lake = LabelIndex.of(List.of("cat", "dog"));
        FineTuning.Start start = FineTuning.prepare(FineTuning.Source.ofZip(zip.toByteArray(), "net.zip"), GREY, lake,
                train("resnet"), 42, first);
        assertTrue(start.description().contains("a DL4J zip names no classes; it had 5 outputs"), start.description());
        Network tuned = started(start);
        assertTrue(tuned.isGraph());
        assertEquals(2, tuned.output(batch(2).getFeatures()).size(1));
        Map<String, INDArray> before = copy(tuned.dl4j().paramTable());
        assertEquals(source.network().dl4j().paramTable().get(first + "_W"), before.get(first + "_W"));
        tuned.fit(batch(2));
        assertEquals(before.get(first + "_W"), tuned.dl4j().paramTable().get(first + "_W"), "frozen");

        ConfigException bad = assertThrows(ConfigException.class,
                () -> FineTuning.Source.ofZip(new byte[] {1, 2, 3}, "junk.zip"));
        assertEquals("model.init", bad.key());
        assertTrue(bad.getMessage().contains("junk.zip"), bad.getMessage());
        ConfigException noLayer = assertThrows(ConfigException.class, () -> FineTuning.prepare(
                FineTuning.Source.ofZip(zip.toByteArray(), "net.zip"), GREY, lake, train("resnet"), 42, "nope"));
        assertTrue(noLayer.getMessage().contains(first), noLayer.getMessage());
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> table) {
        Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        table.forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }
}
