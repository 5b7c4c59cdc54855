package io.sparkcnn.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkcnn.eval.Metrics;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProvenanceTest {
    /** The fields of a model.json written before provenance had a format number (abridged from a real one). */
    private static final String FORMAT_1 = """
            {"network": "layers", "labels": ["a", "b"], "inputShape": {"channels": 1, "height": 28, "width": 28},
             "normalisation": {"mean": [], "std": []},
             "createdAt": "2026-11-20T10:00:00Z", "codeVersion": "dev", "seed": 7, "architecture": "seed-cnn",
             "strategy": "averaging", "config": "seed = 7\\ndata.train = \\"/lake\\"\\ntrain.epochs = 2\\n",
             "data": {"train": "/lake", "heldOut": "hashed 0.1 of train", "trainImages": 90, "heldOutImages": 10,
                      "badFiles": 0, "snapshotFile": "snapshot.tsv", "snapshotSha256": "ab12"},
             "spark": {"spark.master": "local[2]"},
             "backend": {"driver": "CpuBackend", "workers": ["CpuBackend/cpu"]},
             "workers": [{"worker": 0, "executor": "driver", "host": "h", "backend": "CpuBackend", "device": "cpu",
                          "threads": 1, "images": 180, "fitSeconds": 2.0, "imagesPerSecondFitting": 90.0}],
             "training": {"seconds": 3.0, "imagesSeen": 180, "imagesPerSecond": 60.0},
             "epochs": [{"epoch": 1, "images": 10, "loss": 0.5, "accuracy": 0.8, "macroF1": 0.79,
                         "precision": [0.8, 0.8], "recall": [0.8, 0.8], "f1": [0.8, 0.8], "confusion": [[4, 1], [1, 4]]}],
             "rounds": [{"round": 1, "epoch": 1, "loss": "NaN"}, {"round": 2, "epoch": 1, "loss": 0.7}]}
            """;

    @Test
    void aModelWrittenBeforeTheFormatNumberReadsWithItsConfigAsKeys() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> json = new ObjectMapper().readValue(FORMAT_1, Map.class);
        Provenance p = Provenance.fromJson(json);
        assertEquals(1, p.provenanceFormat());
        assertEquals(7L, p.seed());
        assertEquals("seed-cnn", p.architecture());
        assertEquals(Map.of("seed", "7", "data.train", "\"/lake\"", "train.epochs", "2"), p.config());
        assertEquals(90L, p.data().trainImages());
        assertEquals("CpuBackend/cpu", p.backend().workers().get(0));
        assertEquals(180, p.workers().get(0).images());
        Metrics m = p.epochs().get(0).metrics(List.of("a", "b"));
        assertEquals(0.8, m.accuracy());
        assertArrayEquals(new long[] {4, 1}, m.confusion()[0]);
        assertTrue(Double.isNaN(p.rounds().get(0).loss()), "a NaN loss is written as \"NaN\"");
        assertNull(p.codeCommit());
        assertNull(p.retrain());
    }

    @Test
    void theCurrentFormatRoundTripsThroughJson() throws Exception {
        @SuppressWarnings("unchecked")
        Provenance read = Provenance.fromJson(new ObjectMapper().readValue(FORMAT_1, Map.class));
        Provenance current = new Provenance(Provenance.FORMAT, read.createdAt(), "1.0", "abc", read.seed(),
                read.architecture(), read.strategy(), read.config(), null, read.data(), read.spark(), read.backend(),
                read.workers(), read.training(), read.epochs(), read.rounds(), Map.of("kind", "retrain"));
        String written = new ObjectMapper().writeValueAsString(current.toJson());
        @SuppressWarnings("unchecked")
        Provenance again = Provenance.fromJson(new ObjectMapper().readValue(written, Map.class));
        assertEquals(Provenance.FORMAT, again.provenanceFormat());
        assertEquals(current.config(), again.config());
        assertEquals(current.workers(), again.workers());
        assertEquals(current.data(), again.data());
        assertEquals(current.retrain(), again.retrain());
        assertTrue(Double.isNaN(again.rounds().get(0).loss()));
        assertTrue(written.contains("\"config\":{\"seed\":\"7\""), "the configuration is an object: " + written);
    }
}
