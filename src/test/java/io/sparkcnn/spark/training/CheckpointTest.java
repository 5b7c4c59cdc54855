package io.sparkcnn.spark.training;

import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.eval.Metrics;
import io.sparkcnn.model.ModelStore;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.spark.job.TrainJob;
import io.sparkcnn.testing.Images;
import io.sparkcnn.testing.LocalSpark;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checkpoints and {@code train --resume} on a real local Spark session: an interrupted run resumed from its
 * newest checkpoint ends with exactly the model of an undisturbed run; a partial or corrupt checkpoint is
 * skipped with a message, never loaded; a run never silently starts over an unfinished one.
 */
@ExtendWith(LocalSpark.class)
public class CheckpointTest {
    @TempDir
    Path tmp;

    private Path lake() {
        return Images.lake(tmp.resolve("lake"), 3, 10);
    }

    private JobConfig job(Path lake, String out, String... overrides) {
        List<String> all = new ArrayList<>(List.of("data.train=" + lake, "data.heldOutFraction=0.2",
                "output.dir=" + tmp.resolve(out), "train.batchSizePerWorker=4", "train.averagingFrequency=1",
                "train.epochs=3", "train.workers=2", "train.checkpoint.everyRounds=2"));
        all.addAll(Arrays.asList(overrides));
        return JobConfigLoader.load(Optional.empty(), all);
    }

    private static List<String> names(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @ParameterizedTest(name = "averageUpdaterState={0}, augmented={1}, outer momentum={2}")
    @CsvSource({"true,false,0", "false,false,0", "true,true,0", "true,false,0.9"})
    void aRunInterruptedMidEpochAndResumedEndsWithTheModelOfAnUndisturbedRun(String averageUpdaterState,
                                                                            boolean augmented, String outerMomentum,
                                                                            SparkSession spark)
            throws IOException {
        Path lake = lake();
        String mode = "train.averageUpdaterState=" + averageUpdaterState;
        String[] augment = augmented ? new String[] {"data.augment.flip=true", "data.augment.cropScale=0.5",
                "data.augment.padCrop=2", "data.augment.brightness=0.2", "data.augment.contrast=0.2"} : new String[0];
        // With momentum the outer optimiser's velocity is state a checkpoint must carry.
        String[] settings = java.util.stream.Stream.concat(java.util.stream.Stream.of(mode,
                        "train.outerMomentum=" + outerMomentum), Arrays.stream(augment))
                .toArray(String[]::new);
        TrainJob.Result undisturbed = TrainJob.run(spark, job(lake, "a", settings), false, FaultInjector.NONE);
        if (augmented) {
            TrainJob.Result plain = TrainJob.run(spark, job(lake, "plain", mode), false, FaultInjector.NONE);
            assertFalse(Arrays.equals(plain.model().network().params().data().asFloat(),
                    undisturbed.model().network().params().data().asFloat()), "augmentation changes what is fitted");
        }
        assertEquals(List.of("model"), names(tmp.resolve("a")).stream().filter(n -> !n.endsWith(".tsv")).toList(),
                "a finished run deletes its checkpoints");

        // Worker 0 fails in every attempt of round 3 of epoch 2: the job dies as a lost driver would, mid-epoch.
        FaultInjector crash = (worker, epoch, round, attempt) -> {
            if (worker == 0 && epoch == 1 && round == 2) {
                throw new IllegalStateException("injected crash");
            }
        };
        JobConfig job = job(lake, "b", settings);
        RuntimeException crashed = assertThrows(RuntimeException.class, () -> TrainJob.run(spark, job, false, crash));
        assertTrue(String.valueOf(crashed.getMessage()).contains("injected crash"), crashed.toString());
        Path checkpoints = tmp.resolve("b/checkpoints");
        // 3 rounds per epoch (11 images per worker, 4 per minibatch, K = 1): checkpoints after round 2, the end
        // of epoch 1 (round 3), round 4 (epoch 2, round 1); the oldest is deleted (keep 2).
        assertEquals(List.of("round-000000003", "round-000000004"), names(checkpoints));
        assertFalse(Files.exists(tmp.resolve("b/model")), "no model from a failed run");

        ConfigException unfinished = assertThrows(ConfigException.class,
                () -> TrainJob.run(spark, job, false, FaultInjector.NONE));
        assertTrue(unfinished.getMessage().contains("--resume"), unfinished.getMessage());

        ConfigException changed = assertThrows(ConfigException.class, () -> TrainJob.run(spark,
                job(lake, "b", java.util.stream.Stream.concat(Arrays.stream(settings),
                        java.util.stream.Stream.of("train.learningRate=0.01")).toArray(String[]::new)), false, true,
                FaultInjector.NONE));
        assertEquals("train.learningRate", changed.key(), changed.getMessage());
        assertTrue(changed.getMessage().contains("0.001") && changed.getMessage().contains("0.01"),
                changed.getMessage());

        TrainJob.Result resumed = TrainJob.run(spark, job, false, true, FaultInjector.NONE);
        assertEquals(undisturbed.training().imagesSeen(), resumed.training().imagesSeen());
        long trainImages = resumed.model().provenance().data().trainImages();
        assertEquals(22, trainImages, "30 images, 8 held out by the hash split");
        assertEquals(3 * trainImages, resumed.training().imagesSeen(), "every image once per epoch");
        assertArrayEquals(undisturbed.model().network().params().data().asFloat(),
                resumed.model().network().params().data().asFloat(), 0f);
        assertArrayEquals(undisturbed.model().network().updaterState().data().asFloat(),
                resumed.model().network().updaterState().data().asFloat(), 0f);
        List<Double> before = undisturbed.training().epochs().stream().map(Metrics::accuracy).toList();
        assertEquals(before, resumed.training().epochs().stream().map(Metrics::accuracy).toList(),
                "the epochs finished before the crash keep their metrics");
        assertEquals(List.of(), names(checkpoints));
    }

    @Test
    void earlyStoppingWritesTheBestEpochsModelAndAResumedRunStopsWhereTheUndisturbedOneDid(SparkSession spark)
            throws IOException {
        Path lake = lake();
        // No later epoch lowers the held-out loss by more than 0.9: epoch 1 stays the best, and with a patience
        // of 2 training stops after epoch 3 of 6.
        String[] stopping = {"train.epochs=6", "train.earlyStopping.metric=loss", "train.earlyStopping.patience=2",
                "train.earlyStopping.minDelta=0.9"};
        TrainJob.Result undisturbed = TrainJob.run(spark, job(lake, "a", stopping), false, FaultInjector.NONE);
        assertEquals(3, undisturbed.training().epochs().size(), "stopped after epoch 3");
        assertEquals(1, undisturbed.training().modelEpoch());
        assertTrue(undisturbed.training().ended().startsWith("stopped early after epoch 3 of 6: held-out loss did "
                + "not improve by more than 0.9 for 2 epochs"), undisturbed.training().ended());
        assertEquals(undisturbed.training().epochs().get(0), undisturbed.finalMetrics(),
                "the model's metrics are epoch 1's");

        // The model is epoch 1's: bit for bit the model of a run of one epoch.
        TrainJob.Result oneEpoch = TrainJob.run(spark, job(lake, "one", "train.epochs=1"), false, FaultInjector.NONE);
        assertArrayEquals(oneEpoch.model().network().params().data().asFloat(),
                undisturbed.model().network().params().data().asFloat(), 0f);
        SavedModel written = ModelStore.read(tmp.resolve("a/model").toString(), new Configuration());
        assertEquals(1, written.provenance().training().modelEpoch());
        assertEquals(undisturbed.training().ended(), written.provenance().training().ended());
        String report = Files.readString(tmp.resolve("a/model/report.html"));
        assertTrue(report.contains("The model holds epoch 1&#39;s parameters") || report.contains(
                "The model holds epoch 1's parameters"), "the report says which epoch the model is");

        // A crash in epoch 3, after the best epoch: the checkpoints keep the best epoch's parameters.
        FaultInjector crash = (worker, epoch, round, attempt) -> {
            if (worker == 0 && epoch == 2 && round == 1) {
                throw new IllegalStateException("injected crash");
            }
        };
        JobConfig job = job(lake, "b", stopping);
        assertThrows(RuntimeException.class, () -> TrainJob.run(spark, job, false, crash));
        TrainJob.Result resumed = TrainJob.run(spark, job, false, true, FaultInjector.NONE);
        assertEquals(3, resumed.training().epochs().size());
        assertEquals(1, resumed.training().modelEpoch());
        assertArrayEquals(undisturbed.model().network().params().data().asFloat(),
                resumed.model().network().params().data().asFloat(), 0f);
        assertArrayEquals(undisturbed.model().network().updaterState().data().asFloat(),
                resumed.model().network().updaterState().data().asFloat(), 0f);
    }

    /** A small checkpoint whose parameters are all {@code value}. */
    public static Checkpoint checkpoint(long roundsDone, float value) {
        return new Checkpoint(Map.of("seed", "42"), 0, (int) roundsDone, roundsDone, 0, 1.0,
                new Checkpoint.EpochTally(), new float[] {value, value}, new float[0], new float[][] {new float[0]},
                List.of(), new TreeMap<>(), null, 20, null);
    }

    @Test
    void aPartialOrCorruptCheckpointIsSkippedWithItsReasonAndTheNewestIntactOneLoaded() throws IOException {
        Checkpoints store = new Checkpoints(tmp.resolve("ck").toString(), 10, new Configuration());
        for (int n = 1; n <= 4; n++) {
            store.save(checkpoint(n, n));
        }
        Files.createDirectories(tmp.resolve("ck/.round-000000009-x.tmp")); // one being written: never a candidate
        Path four = tmp.resolve("ck/round-000000004/" + Checkpoints.DATA);
        byte[] bytes = Files.readAllBytes(four);
        bytes[bytes.length - 3] ^= 1;
        Files.write(four, bytes);
        Files.delete(tmp.resolve("ck/round-000000003/" + Checkpoints.INFO));
        Path two = tmp.resolve("ck/round-000000002/" + Checkpoints.DATA);
        Files.write(two, Arrays.copyOf(Files.readAllBytes(two), 100));

        List<String> skipped = new ArrayList<>();
        Checkpoints.Loaded loaded = store.newest(skipped::add).orElseThrow();
        assertTrue(loaded.location().endsWith("round-000000001"), loaded.location());
        assertArrayEquals(new float[] {1, 1}, loaded.checkpoint().params(), 0f);
        assertEquals(3, skipped.size(), skipped.toString());
        assertTrue(skipped.get(0).contains("round-000000004") && skipped.get(0).contains("SHA-256"), skipped.get(0));
        assertTrue(skipped.get(1).contains("round-000000003") && skipped.get(1).contains("partial"), skipped.get(1));
        assertTrue(skipped.get(2).contains("round-000000002") && skipped.get(2).contains("100 bytes"), skipped.get(2));

        Files.delete(tmp.resolve("ck/round-000000001/" + Checkpoints.DATA));
        skipped.clear();
        assertTrue(store.newest(skipped::add).isEmpty());
        assertEquals(4, skipped.size());
    }

    @Test
    void aSettingACheckpointDoesNotRecordCountsAsItsDefault() {
        Map<String, String> defaults = io.sparkcnn.config.JobConfigLoader.defaultValues();
        Map<String, String> then = new java.util.TreeMap<>(Map.of("seed", defaults.get("seed")));
        Checkpoint old = new Checkpoint(then, 0, 0, 0, 0, 0, new Checkpoint.EpochTally(), new float[0], new float[0],
                new float[0][], List.of(), Map.of(), null, 0, null);
        old.requireSameRun(Map.of("seed", defaults.get("seed"), "train.weightDecay", defaults.get("train.weightDecay")),
                "ck");
        io.sparkcnn.config.ConfigException decayed = assertThrows(io.sparkcnn.config.ConfigException.class,
                () -> old.requireSameRun(Map.of("seed", defaults.get("seed"), "train.weightDecay", "0.01"), "ck"));
        assertEquals("train.weightDecay", decayed.key());
        io.sparkcnn.config.ConfigException seed = assertThrows(io.sparkcnn.config.ConfigException.class,
                () -> old.requireSameRun(Map.of("seed", "7"), "ck"));
        assertEquals("seed", seed.key());
    }

    @Test
    void checkpointsBeyondTheNumberToKeepAreDeletedOldestFirst() throws IOException {
        Checkpoints store = new Checkpoints(tmp.resolve("ck").toString(), 2, new Configuration());
        for (int n = 1; n <= 3; n++) {
            store.save(checkpoint(n * 10L, n));
        }
        assertEquals(List.of("round-000000020", "round-000000030"), names(tmp.resolve("ck")));
        Map<?, ?> info = new com.fasterxml.jackson.databind.ObjectMapper()
                .readValue(tmp.resolve("ck/round-000000030/" + Checkpoints.INFO).toFile(), Map.class);
        assertEquals(30, info.get("roundsDone"));
        assertEquals(Map.of("seed", "42"), info.get("identity"));
    }

    @Test
    void overwriteDiscardsAnUnfinishedRunsCheckpointsAndResumeWithoutOneStartsFromScratch(SparkSession spark)
            throws IOException {
        Path lake = lake();
        Path junk = tmp.resolve("b/checkpoints/round-000000007");
        Files.createDirectories(junk);
        TrainJob.Result fresh = TrainJob.run(spark, job(lake, "b", "train.epochs=1"), true, FaultInjector.NONE);
        assertEquals(22, fresh.training().imagesSeen());
        assertFalse(Files.exists(junk.getParent()));

        Files.createDirectories(junk); // partial: no checkpoint.json; --resume skips it and starts over
        TrainJob.Result resumed = TrainJob.run(spark, job(lake, "c", "train.epochs=1"), false, true,
                FaultInjector.NONE);
        assertEquals(22, resumed.training().imagesSeen());
    }
}
