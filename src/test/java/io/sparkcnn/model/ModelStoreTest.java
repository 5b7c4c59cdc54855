package io.sparkcnn.model;

import io.sparkcnn.config.Architecture;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.config.UpdaterKind;
import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.Normalisation;
import io.sparkcnn.testing.TestProvenance;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model folder: complete or absent, never replaced unless asked, never half-replaced. */
class ModelStoreTest {
    @TempDir
    Path tmp;

    private static SavedModel model(long seed, String run) {
        InputShape shape = new InputShape(1, 8, 8);
        Network net = Architectures.build(TrainConfig.of(Architecture.SEED_CNN, UpdaterKind.ADAM, 1e-3, 4), shape, 3,
                seed).build();
        return new SavedModel(net, LabelIndex.of(List.of("a", "b", "c")), shape, Normalisation.unit(),
                TestProvenance.of(run, seed));
    }

    private List<String> siblings() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aModelIsReplacedOnlyWhenAskedAndNothingIsLeftBeside() throws IOException {
        Configuration conf = new Configuration();
        String dir = tmp.resolve("model").toString();
        ModelStore.write(model(1, "first"), Map.of("extra.txt", new byte[] {1}), dir, false, conf);
        ModelStore.ModelExistsException exists = assertThrows(ModelStore.ModelExistsException.class,
                () -> ModelStore.write(model(2, "second"), Map.of(), dir, false, conf));
        assertTrue(exists.getMessage().contains(dir) && exists.getMessage().contains("--overwrite"),
                exists.getMessage());
        assertEquals("first", ModelStore.read(dir, conf).provenance().source());

        SavedModel second = model(2, "second");
        ModelStore.write(second, Map.of(), dir, true, conf);
        SavedModel read = ModelStore.read(dir, conf);
        assertEquals("second", read.provenance().source());
        assertEquals(second.provenance(), read.provenance(), "the provenance reads back as it was written");
        assertArrayEquals(second.network().params().data().asFloat(), read.network().params().data().asFloat(), 0f);
        assertEquals(List.of("model"), siblings(), "no temporary or set-aside folder is left");
        assertTrue(Files.notExists(tmp.resolve("model/extra.txt")), "the old model's files went with it");
    }

    @Test
    void aFolderWithoutTheCompletionMarkerIsNotAModel() throws IOException {
        Configuration conf = new Configuration();
        String dir = tmp.resolve("model").toString();
        ModelStore.write(model(1, "first"), Map.of(), dir, false, conf);
        Files.delete(tmp.resolve("model/" + ModelStore.MARKER));
        IOException e = assertThrows(IOException.class, () -> ModelStore.read(dir, conf));
        assertTrue(e.getMessage().contains(dir) && e.getMessage().contains("_SUCCESS"), e.getMessage());
    }
}
