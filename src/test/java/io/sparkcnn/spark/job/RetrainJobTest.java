package io.sparkcnn.spark.job;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.data.DataException;
import io.sparkcnn.registry.ModelRegistry;
import io.sparkcnn.registry.RegistryFaults;
import io.sparkcnn.registry.RegistryLock;
import io.sparkcnn.registry.RegistryVersion;
import io.sparkcnn.spark.training.FaultInjector;
import io.sparkcnn.testing.Images;
import io.sparkcnn.testing.LocalSpark;
import io.sparkcnn.testing.MiniHdfs;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scheduled retraining end to end on a real local Spark session, with the lake and the registry on the local
 * FS and on a real HDFS (MiniDFSCluster): a first training makes v1 champion; new images make a challenger
 * that is promoted; a re-run finds nothing to do; images with shuffled labels make a challenger that is
 * rejected while the champion stays; a retrain refuses to run while another job holds the lock.
 */
@ExtendWith({LocalSpark.class, MiniHdfs.class})
class RetrainJobTest {
    private static FileSystem hdfs;

    @TempDir
    java.nio.file.Path tmp;

    @BeforeAll
    static void useHdfs() {
        hdfs = MiniHdfs.fileSystem();
    }

    /** Where the test's lake and registry live, and how images get there. */
    private final class Place {
        final String root;
        final java.nio.file.Path local;

        Place(String fs) {
            local = tmp.resolve("lake");
            root = fs.equals("hdfs") ? hdfs.getUri() + "/retrain-" + UUID.randomUUID() : tmp.toUri().toString();
        }

        String lake() {
            return root + "/lake";
        }

        /** Copies the local lake's files that are not there yet (the lake grows as a data lake would). */
        void sync() throws IOException {
            if (root.startsWith("hdfs:")) {
                try (var files = Files.walk(local)) {
                    for (java.nio.file.Path f : files.filter(Files::isRegularFile).toList()) {
                        Path target = new Path(lake() + "/" + local.relativize(f));
                        if (!hdfs.exists(target)) {
                            hdfs.copyFromLocalFile(new Path(f.toUri()), target);
                        }
                    }
                }
            }
        }

        JobConfig job(String... overrides) {
            List<String> all = new ArrayList<>(List.of("data.train=" + lake(), "data.heldOutFraction=0.2",
                    "output.dir=" + root + "/out", "registry.dir=" + root + "/registry", "registry.model=shapes",
                    "train.batchSizePerWorker=4", "train.averagingFrequency=2", "train.epochs=3", "train.workers=2",
                    "train.learningRate=0.01"));
            all.addAll(Arrays.asList(overrides));
            return JobConfigLoader.load(Optional.empty(), all);
        }

        ModelRegistry registry() throws IOException {
            return ModelRegistry.open(root + "/registry", "shapes", new Configuration());
        }
    }

    /**
     * {@code n} images that look like class {@code c} (its own brightness plus noise: easy to learn in a few
     * steps), filed under {@code folder}.
     */
    private static void add(java.nio.file.Path lake, int c, String folder, String prefix, int n) {
        for (int i = 0; i < n; i++) {
            Images.writeNoisyPng(lake.resolve(folder + "/" + prefix + i + ".png"), 40 + 70 * c, 25,
                    (folder + prefix + i).hashCode());
        }
    }

    private static void lake(java.nio.file.Path lake, int classes, int perClass) {
        for (int c = 0; c < classes; c++) {
            add(lake, c, "class" + c, "", perClass);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "hdfs"})
    void aChallengerOnNewDataIsPromotedOneOnShuffledLabelsIsRejectedAndNoNewDataDoesNothing(String fs,
                                                                                            SparkSession spark)
            throws IOException {
        Place place = new Place(fs);
        lake(place.local, 3, 20);
        place.sync();
        TrainJob.Result first = TrainJob.run(spark, place.job(), false, FaultInjector.NONE);
        assertEquals(Optional.of("v1 (champion)"), first.registered());

        for (int c = 0; c < 3; c++) {
            add(place.local, c, "class" + c, "new-", 10);
        }
        place.sync();
        RetrainJob.Result promoted = RetrainJob.run(spark, place.job(), FaultInjector.NONE, RegistryFaults.NONE);
        assertEquals(RetrainJob.Outcome.PROMOTED, promoted.outcome(), promoted.summary());
        assertEquals(1, promoted.champion().number());
        assertEquals(2, promoted.challenger().number());
        assertEquals(2, place.registry().champion().orElseThrow().number());
        Map<?, ?> data = (Map<?, ?>) promoted.challenger().entry().get("data");
        long newTraining = ((Number) data.get("newTrainingFiles")).longValue();
        long newHeldOut = ((Number) data.get("newHeldOutFiles")).longValue();
        assertEquals(30, newTraining + newHeldOut, "the 30 new files, on either side of the hashed split");
        assertEquals("frozen", data.get("heldOut"));
        assertEquals(first.finalMetrics().count(), promoted.championMetrics().count(),
                "scored on v1's held-out images, not the new ones");
        assertEquals(newTraining, ((Number) data.get("trainImages")).longValue(), "new data only: no replay");
        assertEquals(promoted.challengerMetrics().count(), promoted.championMetrics().count(),
                "both scored on the same held-out images");

        RetrainJob.Result again = RetrainJob.run(spark, place.job(), FaultInjector.NONE, RegistryFaults.NONE);
        assertEquals(RetrainJob.Outcome.NOTHING_TO_DO, again.outcome(), again.summary());
        assertEquals(2, place.registry().versions().size(), "nothing registered");

        // Images of class c filed under class c+1: a challenger that learns them unlearns the real classes.
        for (int c = 0; c < 3; c++) {
            add(place.local, c, "class" + (c + 1) % 3, "shuffled-", 40);
        }
        place.sync();
        RetrainJob.Result rejected = RetrainJob.run(spark, place.job("train.epochs=4"),
                FaultInjector.NONE, RegistryFaults.NONE);
        assertEquals(RetrainJob.Outcome.KEPT_CHAMPION, rejected.outcome(), rejected.summary());
        ModelRegistry registry = place.registry();
        assertEquals(2, registry.champion().orElseThrow().number(), "v2 stays champion");
        RegistryVersion v3 = registry.version(3);
        assertEquals(RegistryVersion.Status.REJECTED, v3.status());
        Map<?, ?> decision = (Map<?, ?>) v3.entry().get("decision");
        double challenger = ((Number) decision.get("challenger")).doubleValue();
        double champion = ((Number) decision.get("champion")).doubleValue();
        assertTrue(challenger < champion - 0.005, decision.toString());
        assertEquals(2, ((Number) decision.get("championVersion")).intValue());
        assertEquals(first.finalMetrics().count(), ((Number) decision.get("heldOutImages")).longValue());
        assertEquals(false, decision.get("accepted"));
        // The rejected run's data is not new any more: the next slot has nothing to do.
        assertEquals(RetrainJob.Outcome.NOTHING_TO_DO,
                RetrainJob.run(spark, place.job(), FaultInjector.NONE, RegistryFaults.NONE).outcome());
    }

    @Test
    void fileNamesWithTabsAndNewlinesDoNotBreakLaterRetrains(SparkSession spark) throws IOException {
        Place place = new Place("local");
        lake(place.local, 3, 10);
        add(place.local, 0, "class0", "tab\there new\nline ", 2);
        TrainJob.run(spark, place.job("train.epochs=1"), false, FaultInjector.NONE);
        add(place.local, 1, "class1", "more-", 6);
        RetrainJob.Result second = RetrainJob.run(spark, place.job("train.epochs=1", "retrain.tolerance=1"),
                FaultInjector.NONE, RegistryFaults.NONE);
        assertEquals(RetrainJob.Outcome.PROMOTED, second.outcome(), second.summary());
        Map<?, ?> data = (Map<?, ?>) second.challenger().entry().get("data");
        assertEquals(6, ((Number) data.get("newTrainingFiles")).longValue()
                + ((Number) data.get("newHeldOutFiles")).longValue(), "the odd names are old data, not new");

        try (var odd = Files.walk(place.local)) {
            for (java.nio.file.Path f : odd.filter(p -> p.getFileName().toString().contains("\t")).toList()) {
                Files.delete(f);
            }
        }
        add(place.local, 2, "class2", "later-", 6);
        RetrainJob.Result third = RetrainJob.run(spark, place.job("train.epochs=1", "retrain.tolerance=1"),
                FaultInjector.NONE, RegistryFaults.NONE);
        assertEquals(RetrainJob.Outcome.PROMOTED, third.outcome(), third.summary());
    }

    @Test
    void aRetrainStoppedBetweenRegisteringAndPromotingIsCompletedByTheNextOne(SparkSession spark) throws IOException {
        Place place = new Place("local");
        lake(place.local, 3, 10);
        TrainJob.run(spark, place.job("train.epochs=1"), false, FaultInjector.NONE);
        add(place.local, 1, "class1", "more-", 6);
        RegistryFaults stopAfterRegistering = step -> {
            if (step == RegistryFaults.Step.VERSION_PUBLISHED) {
                throw new IllegalStateException("killed after registering");
            }
        };
        assertThrows(IllegalStateException.class, () -> RetrainJob.run(spark, place.job("train.epochs=1",
                "retrain.tolerance=1"), FaultInjector.NONE, stopAfterRegistering));
        assertEquals(RegistryVersion.Status.CANDIDATE, place.registry().version(2).status(),
                "registered with a decision to promote, not promoted");
        assertEquals(true, place.registry().version(2).entry().get(ModelRegistry.PROMOTE));

        RetrainJob.Result next = RetrainJob.run(spark, place.job("train.epochs=1", "retrain.tolerance=1"),
                FaultInjector.NONE, RegistryFaults.NONE);
        assertEquals(RetrainJob.Outcome.NOTHING_TO_DO, next.outcome(), "v2's snapshot has the new images: "
                + next.summary());
        assertEquals(2, next.champion().number(), "the interrupted promotion was completed first");
        List<io.sparkcnn.registry.Promotion> history = place.registry().promotions();
        assertTrue(history.get(history.size() - 1).reason().startsWith("completing an interrupted promotion"),
                history.toString());
    }

    @Test
    void aRetrainIsRefusedWhileAnotherJobHoldsTheLock(SparkSession spark) throws IOException {
        Place place = new Place("local");
        lake(place.local, 3, 10);
        TrainJob.run(spark, place.job("train.epochs=1"), false, FaultInjector.NONE);
        try (RegistryLock held = place.registry().lock("retrain app-other", Duration.ofHours(1))) {
            RegistryLock.LockedException e = assertThrows(RegistryLock.LockedException.class,
                    () -> RetrainJob.run(spark, place.job(), FaultInjector.NONE, RegistryFaults.NONE));
            assertTrue(e.getMessage().contains("retrain app-other"), e.getMessage());
            assertTrue(held.held(), "the holder keeps its lock");
            RegistryLock.LockedException train = assertThrows(RegistryLock.LockedException.class,
                    () -> TrainJob.run(spark, place.job("output.dir=" + tmp.resolve("out2")), false,
                            FaultInjector.NONE));
            assertTrue(train.getMessage().contains("retrain app-other"), "train fails before training: " + train);
        }
    }

    @Test
    void aNewClassIsAnErrorByDefaultAndGrowsTheOutputLayerWhenAllowed(SparkSession spark) throws IOException {
        Place place = new Place("local");
        lake(place.local, 3, 20);
        TrainJob.run(spark, place.job(), false, FaultInjector.NONE);
        add(place.local, 3, "class3", "", 20);

        DataException refused = assertThrows(DataException.class,
                () -> RetrainJob.run(spark, place.job(), FaultInjector.NONE, RegistryFaults.NONE));
        assertTrue(refused.getMessage().contains("[class3]") && refused.getMessage().contains("retrain.newClasses"),
                refused.getMessage());
        assertFalse(Files.exists(tmp.resolve("registry/shapes/LOCK")), "the lock is released on failure");
        io.sparkcnn.config.ConfigException seed = assertThrows(io.sparkcnn.config.ConfigException.class,
                () -> RetrainJob.run(spark, place.job("seed=7"), FaultInjector.NONE, RegistryFaults.NONE));
        assertEquals("seed", seed.key(), seed.getMessage());

        // Scored on today's held-out files (class3's among them), trained on everything: new data alone would
        // teach the grown network to answer class3 to everything.
        RetrainJob.Result grown = RetrainJob.run(spark, place.job("retrain.newClasses=grow", "retrain.heldOut=current",
                        "retrain.replayFraction=1"),
                FaultInjector.NONE, RegistryFaults.NONE);
        assertEquals(List.of("class3"), grown.challenger().entry().get("classesAdded"));
        var model = place.registry().read(grown.challenger());
        assertEquals(List.of("class0", "class1", "class2", "class3"), model.labels().labels());
        assertEquals(4, model.network().output(org.nd4j.linalg.factory.Nd4j.zeros(1, 1, 28, 28)).columns());
        assertNotNull(grown.championMetrics());
        // The champion cannot name class3, so it misses every held-out class3 image; the challenger learns them.
        assertTrue(grown.challengerMetrics().accuracy() > grown.championMetrics().accuracy(),
                grown.summary());
        assertEquals(RetrainJob.Outcome.PROMOTED, grown.outcome(), grown.summary());
    }
}
