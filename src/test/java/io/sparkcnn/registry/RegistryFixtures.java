package io.sparkcnn.registry;

import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.Normalisation;
import io.sparkcnn.model.Architectures;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.testing.TestProvenance;

import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Small real models (the seed CNN, 3 classes, 28x28, seeded) to register. */
public final class RegistryFixtures {
    static final InputShape SHAPE = new InputShape(1, 28, 28);

    private RegistryFixtures() {
    }

    public static SavedModel model(long seed) {
        return new SavedModel(Architectures.build(JobConfigLoader.load(Optional.empty(), List.of()).train(), SHAPE, 3,
                seed).build(), LabelIndex.of(List.of("a", "b", "c")), SHAPE, Normalisation.unit(),
                TestProvenance.of("registry fixture", seed));
    }

    public static Map<String, byte[]> snapshot(String text) {
        return Map.of("snapshot.tsv", text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A registry model {@code name} under {@code root} whose v1 (seed 1) is the champion, followed by a candidate
     * version for each of {@code candidateSeeds}.
     */
    public static ModelRegistry withChampion(String root, String name, long... candidateSeeds) throws IOException {
        ModelRegistry r = ModelRegistry.open(root, name, new Configuration());
        try (RegistryLock lock = r.lock("setup", Duration.ofHours(1))) {
            r.promote(r.register(model(1), snapshot("seed 1"), Map.of("kind", "train"), lock).number(), "first", lock);
            for (long seed : candidateSeeds) {
                r.register(model(seed), snapshot("seed " + seed), Map.of("kind", "train"), lock);
            }
        }
        return r;
    }
}
