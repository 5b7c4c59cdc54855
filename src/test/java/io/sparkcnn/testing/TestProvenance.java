package io.sparkcnn.testing;

import io.sparkcnn.model.Provenance;

import java.util.List;
import java.util.Map;

/** A small provenance for models the tests build by hand: a source naming them and their seed. */
public final class TestProvenance {
    private TestProvenance() {
    }

    public static Provenance of(String source, long seed) {
        return new Provenance(Provenance.FORMAT, "2026-01-01T00:00:00Z", "test", "unknown", seed, "seed-cnn",
                "averaging", Map.of(), source, null, Map.of(), null, List.of(), null, List.of(), List.of(), null);
    }
}
