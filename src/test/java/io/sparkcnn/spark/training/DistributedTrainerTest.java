package io.sparkcnn.spark.training;

import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.eval.Metrics;
import io.sparkcnn.model.Architectures;
import io.sparkcnn.model.ModelStore;
import io.sparkcnn.model.Network;
import io.sparkcnn.model.Provenance;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.spark.job.EvaluateJob;
import io.sparkcnn.spark.job.TrainJob;
import io.sparkcnn.spark.lake.DataPreparation;
import io.sparkcnn.spark.lake.DecodedPartition;
import io.sparkcnn.spark.lake.PreparedData;
import io.sparkcnn.spark.lake.TrainingData;
import io.sparkcnn.testing.Images;
import io.sparkcnn.testing.LocalSpark;
import io.sparkcnn.train.EpochPlan;
import io.sparkcnn.train.Minibatches;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The proofs of the distributed trainer on a real local Spark session and a real image lake: one worker is
 * a plain single-JVM fit bit for bit; N workers merge to the mean of N plain replicas; a failed and retried
 * task changes nothing; Spark's evaluation equals a single-JVM evaluation; a saved model round-trips.
 */
@ExtendWith(LocalSpark.class)
class DistributedTrainerTest {
    @TempDir
    Path tmp;

    /** 3 classes of 28x28 PNGs whose pixels depend on the class, so the network has something to learn. */
    private Path lake(int perClass) {
        Path root = tmp.resolve("lake");
        String[] classes = {"circle", "square", "triangle"};
        for (int c = 0; c < classes.length; c++) {
            for (int i = 0; i < perClass; i++) {
                Images.writePng(root.resolve(classes[c] + "/" + i + ".png"), c * 40 + (i % 5));
            }
        }
        return root;
    }

    private JobConfig job(Path lake, String... overrides) {
        List<String> all = new ArrayList<>(List.of("data.train=" + lake, "data.heldOutFraction=0.2",
                "output.dir=" + tmp.resolve("out"), "train.batchSizePerWorker=4", "train.averagingFrequency=3",
                "train.epochs=2", "train.evalBatchSize=7"));
        all.addAll(Arrays.asList(overrides));
        return JobConfigLoader.load(Optional.empty(), all);
    }

    private static float[] floats(INDArray a) {
        return a.dup().data().asFloat();
    }

    /** A plain single-JVM fit of one partition following the plan, from the seeded initial network. */
    private static MultiLayerNetwork plainFit(JobConfig job, PreparedData data, DecodedPartition p, int epochs) {
        MultiLayerNetwork net = (MultiLayerNetwork) Architectures.build(job.train(), data.shape(),
                data.labels().size(), job.seed()).build().dl4j();
        EpochPlan plan = new EpochPlan(job.seed(), job.train().batchSizePerWorker(), job.train().averagingFrequency());
        for (int e = 0; e < epochs; e++) {
            int[] order = plan.order(p.index(), e, p.count());
            for (DataSet b : batchesInOrder(p, order, data, job.train().batchSizePerWorker())) {
                net.fit(b);
            }
        }
        return net;
    }

    private static List<DataSet> batchesInOrder(DecodedPartition p, int[] order, PreparedData data, int batchSize) {
        List<float[]> images = new ArrayList<>();
        int[] ids = new int[order.length];
        for (int k = 0; k < order.length; k++) {
            images.add(p.image(order[k], data.normalisation()));
            ids[k] = p.labels()[order[k]];
        }
        return Minibatches.of(images, ids, data.shape(), data.labels().size(), batchSize);
    }

    private static List<DecodedPartition> partitions(PreparedData data) {
        List<DecodedPartition> parts = new ArrayList<>(data.train().collect());
        parts.sort(Comparator.comparingInt(DecodedPartition::index));
        return parts;
    }

    @Test
    void oneWorkerOnSparkEqualsAPlainFitBitForBit(SparkSession spark) throws IOException {
        JobConfig job = job(lake(12), "train.workers=1");
        PreparedData data = DataPreparation.forTraining(spark, job);
        try {
            DistributedTrainer trainer = new DistributedTrainer(spark, job, FaultInjector.NONE);
            DistributedTrainer.Run run = trainer.start(data.train(), data.heldOut(), data.labels(), data.shape(),
                    data.normalisation());
            run.epoch();
            assertTrue(trainer.replicasHeld() > 0, "replicas stay between rounds");
            run.epoch();
            TrainingResult r = run.finish();
            assertEquals(0, trainer.replicasHeld(), "and are freed when the job ends");
            DecodedPartition only = partitions(data).get(0);
            assertEquals(2L * only.count(), r.imagesSeen(), "every image once per epoch");
            MultiLayerNetwork plain = plainFit(job, data, only, 2);
            assertArrayEquals(floats(plain.params()), floats(r.network().params()), 0f);
            assertArrayEquals(floats(plain.getUpdater().getStateViewArray()),
                    floats(r.network().updaterState()), 0f, "Adam's moments too");
        } finally {
            data.release();
        }
    }

    @Test
    void nWorkersMergeToTheMeanOfPlainReplicas(SparkSession spark) throws IOException {
        // One round per epoch: each worker fits its whole partition, then the driver averages once.
        JobConfig job = job(lake(10), "train.workers=2", "train.averagingFrequency=1000", "train.epochs=1");
        PreparedData data = DataPreparation.forTraining(spark, job);
        try {
            TrainingResult r = new DistributedTrainer(spark, job, FaultInjector.NONE)
                    .train(data.train(), data.heldOut(), data.labels(), data.shape(), data.normalisation());
            List<DecodedPartition> parts = partitions(data);
            assertEquals(2, parts.size());
            assertTrue(parts.get(0).count() > 0 && parts.get(1).count() > 0, "balanced shares");
            float[] a = floats(plainFit(job, data, parts.get(0), 1).params());
            float[] b = floats(plainFit(job, data, parts.get(1), 1).params());
            float[] merged = floats(r.network().params());
            assertFalse(Arrays.equals(a, b));
            for (int i = 0; i < merged.length; i++) {
                assertEquals((float) (((double) a[i] + b[i]) / 2), merged[i], 0f, "parameter " + i);
            }
        } finally {
            data.release();
        }
    }

    @Test
    void theOuterOptimiserStepsFromTheRoundsStartAlongTheMergedChange(SparkSession spark) throws IOException {
        // One round: the plain run's merged parameters are the mean m; with outer rate 0.5 the model is
        // start - 0.5 * (start - m), half way from the initial parameters to the mean.
        JobConfig plainJob = job(lake(10), "train.workers=2", "train.averagingFrequency=1000", "train.epochs=1");
        JobConfig outerJob = job(lake(10), "train.workers=2", "train.averagingFrequency=1000", "train.epochs=1",
                "train.outerLearningRate=0.5");
        PreparedData data = DataPreparation.forTraining(spark, plainJob);
        try {
            float[] mean = floats(new DistributedTrainer(spark, plainJob, FaultInjector.NONE)
                    .train(data.train(), data.heldOut(), data.labels(), data.shape(), data.normalisation())
                    .network().params());
            float[] outer = floats(new DistributedTrainer(spark, outerJob, FaultInjector.NONE)
                    .train(data.train(), data.heldOut(), data.labels(), data.shape(), data.normalisation())
                    .network().params());
            float[] start = floats(Architectures.build(plainJob.train(), data.shape(), data.labels().size(),
                    plainJob.seed()).build().params());
            assertFalse(Arrays.equals(start, mean));
            for (int i = 0; i < outer.length; i++) {
                float g = start[i] - mean[i];
                assertEquals((float) (start[i] - 0.5 * g), outer[i], 0f, "parameter " + i);
            }
        } finally {
            data.release();
        }
    }

    @Test
    void anAveragingFrequencyOfZeroIsChosenFromTheWorkersFitTime(SparkSession spark) throws IOException {
        // About 48 training images, 2 workers, minibatches of 1: more minibatches each than the least K of 20.
        Path lake = lake(20);
        JobConfig shortRounds = job(lake, "train.workers=2", "train.batchSizePerWorker=1",
                "train.averagingFrequency=0", "train.roundSeconds=0.000001");
        JobConfig longRounds = job(lake, "train.workers=2", "train.batchSizePerWorker=1",
                "train.averagingFrequency=0", "train.roundSeconds=3600");
        PreparedData data = DataPreparation.forTraining(spark, shortRounds);
        try {
            int largest = partitions(data).stream().mapToInt(DecodedPartition::count).max().orElse(0);
            assertTrue(largest > 20 && largest <= 40, "partitions of " + largest);
            TrainingResult least = new DistributedTrainer(spark, shortRounds, FaultInjector.NONE)
                    .train(data.train(), data.heldOut(), data.labels(), data.shape(), data.normalisation());
            int k = least.averagingFrequency();
            assertTrue(k >= 20, "at least dl4j-spark's K: " + k);
            assertEquals(2 * ((largest + k - 1) / k), least.rounds().size(), "the rounds of K = " + k);
            TrainingResult most = new DistributedTrainer(spark, longRounds, FaultInjector.NONE)
                    .train(data.train(), data.heldOut(), data.labels(), data.shape(), data.normalisation());
            assertTrue(most.averagingFrequency() >= largest, "an hour of fitting holds the whole epoch: "
                    + most.averagingFrequency());
            assertEquals(2, most.rounds().size(), "one round an epoch");
        } finally {
            data.release();
        }
    }

    @ParameterizedTest(name = "averageUpdaterState={0}")
    @ValueSource(strings = {"true", "false"})
    void aTaskFailedMidRoundAndRetriedGivesTheSameParameters(String averageUpdaterState, SparkSession spark)
            throws IOException {
        JobConfig job = job(lake(10), "train.workers=2", "train.averageUpdaterState=" + averageUpdaterState);
        PreparedData data = DataPreparation.forTraining(spark, job);
        try {
            float[] undisturbed = floats(new DistributedTrainer(spark, job, FaultInjector.NONE)
                    .train(data.train(), data.heldOut(), data.labels(), data.shape(), data.normalisation())
                    .network().params());
            // Worker 1 dies after fitting its minibatches of epoch 2, round 1, on its first attempt.
            FaultInjector killOnce = (worker, epoch, round, attempt) -> {
                if (worker == 1 && epoch == 1 && round == 1 && attempt == 0) {
                    throw new IllegalStateException("injected executor failure");
                }
            };
            float[] retried = floats(new DistributedTrainer(spark, job, killOnce)
                    .train(data.train(), data.heldOut(), data.labels(), data.shape(), data.normalisation())
                    .network().params());
            assertArrayEquals(undisturbed, retried, 0f);
        } finally {
            data.release();
        }
    }

    @Test
    void sparkEvaluationEqualsASingleJvmEvaluation(SparkSession spark) throws IOException {
        JobConfig job = job(lake(12), "train.workers=2", "train.epochs=1");
        PreparedData data = DataPreparation.forTraining(spark, job);
        try {
            DistributedTrainer trainer = new DistributedTrainer(spark, job, FaultInjector.NONE);
            Network net = trainer.train(data.train(), data.heldOut(), data.labels(), data.shape(),
                    data.normalisation()).network();
            Metrics onSpark = trainer.evaluate(data.heldOut(), net.spec(),
                    net.params().data().asFloat(), data.shape(), data.labels(), data.normalisation());

            Evaluation plain = new Evaluation(data.labels().labels());
            double lossSum = 0;
            for (DecodedPartition p : data.heldOut().collect()) {
                int[] natural = new int[p.count()];
                Arrays.setAll(natural, i -> i);
                for (DataSet b : batchesInOrder(p, natural, data, 7)) {
                    plain.eval(b.getLabels(), net.output(b.getFeatures()));
                    lossSum += net.score(b) * b.numExamples();
                }
            }
            Metrics single = Metrics.of(plain, data.labels().labels(), lossSum / plain.getNumRowCounter());
            assertTrue(onSpark.count() > 0);
            assertEquals(single.count(), onSpark.count());
            assertEquals(single.accuracy(), onSpark.accuracy(), 0.0);
            assertEquals(single.macroF1(), onSpark.macroF1(), 0.0);
            assertArrayEquals(single.confusion(), onSpark.confusion());
            assertEquals(single.loss(), onSpark.loss(), 1e-9);
        } finally {
            data.release();
        }
    }

    @Test
    void trainWritesAModelThatRoundTripsAndEvaluateReproducesItsMetrics(SparkSession spark) throws IOException {
        JobConfig job = job(lake(12), "train.workers=2", "train.epochs=1", "data.image.normalisation=standardise");
        TrainJob.Result trained = TrainJob.run(spark, job, false, FaultInjector.NONE);
        SavedModel loaded = assertRoundTripsAndEvaluatesTheSame(spark, job, trained);
        assertEquals(trained.model().normalisation(), loaded.normalisation());
        assertFalse(loaded.normalisation().isUnit());

        List<Map<String, Object>> workers = Provenance.asJson(loaded.provenance().workers());
        assertEquals(2, workers.size(), "each worker reports where it ran: " + workers);
        assertEquals(trained.training().imagesSeen(),
                workers.stream().mapToLong(w -> ((Number) w.get("images")).longValue()).sum());
        for (Map<String, Object> w : workers) {
            assertEquals("CpuBackend", w.get("backend"));
            assertEquals("cpu", w.get("device"));
            assertEquals("driver", w.get("executor"), "local mode runs tasks in the driver");
        }
        assertEquals(List.of("path\treason"), java.nio.file.Files.readAllLines(tmp.resolve("out/bad-files.tsv")),
                "an empty bad-file list is written too");

        ModelStore.ModelExistsException exists = assertThrows(ModelStore.ModelExistsException.class,
                () -> TrainJob.run(spark, job, false, FaultInjector.NONE));
        assertTrue(exists.getMessage().contains("--overwrite"), exists.getMessage());
    }

    @Test
    void aTrainedModelIsFineTunedOnOtherClassesWithItsFirstLayerFrozen(SparkSession spark) throws IOException {
        TrainJob.Result source = TrainJob.run(spark, job(lake(8), "train.epochs=1", "output.dir=" + tmp.resolve("a")),
                false, FaultInjector.NONE);
        Path other = tmp.resolve("other");
        String[] classes = {"square", "star", "triangle"};
        for (int c = 0; c < classes.length; c++) {
            for (int i = 0; i < 8; i++) {
                Images.writePng(other.resolve(classes[c] + "/" + i + ".png"), 40 + c * 40 + (i % 5));
            }
        }
        JobConfig tune = job(other, "train.epochs=1", "output.dir=" + tmp.resolve("b"),
                "model.init=" + tmp.resolve("a/model"), "model.freeze=0");
        TrainJob.Result tuned = TrainJob.run(spark, tune, false, FaultInjector.NONE);
        assertEquals(List.of("square", "star", "triangle"), tuned.model().labels().labels());
        Map<String, INDArray> before = source.model().network().dl4j().paramTable();
        Map<String, INDArray> after = tuned.model().network().dl4j().paramTable();
        assertArrayEquals(floats(before.get("0_W")), floats(after.get("0_W")), 0f, "the frozen convolution");
        assertArrayEquals(floats(before.get("0_b")), floats(after.get("0_b")), 0f);
        assertEquals(3, after.get("2_W").size(1));
        assertFalse(Arrays.equals(floats(before.get("2_W").getColumn(1)), floats(after.get("2_W").getColumn(0))),
                "the output layer trained (square started from the source's square column)");
        SavedModel written = ModelStore.read(tmp.resolve("b/model").toString(), spark.sparkContext().hadoopConfiguration());
        assertTrue(written.provenance().config().get("model.init").contains(tmp.resolve("a/model").toString()),
                "provenance names where the run started: " + written.provenance().config().get("model.init"));

        ConfigException missing = assertThrows(ConfigException.class, () -> TrainJob.run(spark,
                job(other, "output.dir=" + tmp.resolve("c"), "model.init=" + tmp.resolve("nothing-here")), false,
                FaultInjector.NONE));
        assertEquals("model.init", missing.key());
        assertTrue(missing.getMessage().contains("nothing-here"), missing.getMessage());
    }

    @Test
    void aNetworkConfigurationTheUserWroteTrainsOnSpark(SparkSession spark) throws IOException {
        // The user's network: LeNet for 3 classes, written out as DL4J's JSON.
        String json = Architectures.build(io.sparkcnn.config.TrainConfig.of(io.sparkcnn.config.Architecture.LENET,
                io.sparkcnn.config.UpdaterKind.ADAM, 1e-3, 4), new io.sparkcnn.model.InputShape(1, 28, 28), 3, 5).json();
        Path file = java.nio.file.Files.writeString(tmp.resolve("mine.json"), json);
        TrainJob.Result r = TrainJob.run(spark, job(lake(8), "train.epochs=1", "model.architecture=file:" + file),
                false, FaultInjector.NONE);
        assertEquals("file:" + file, r.model().provenance().architecture());
        assertEquals(Architectures.build(io.sparkcnn.config.TrainConfig.of(io.sparkcnn.config.Architecture.LENET,
                io.sparkcnn.config.UpdaterKind.ADAM, 1e-3, 4), new io.sparkcnn.model.InputShape(1, 28, 28), 3, 5)
                .build().numParams(), r.model().network().numParams());
        assertTrue(r.finalMetrics().count() > 0);
    }

    @Test
    void aRoundThatHangsFailsNamingTheStuckTaskAndSparkCarriesOn(SparkSession spark) throws IOException {
        // 20 s: on a loaded machine Spark's status tracker can lag the tasks by seconds.
        JobConfig job = job(lake(6), "train.workers=2", "train.epochs=1", "train.roundTimeoutSeconds=20");
        PreparedData data = DataPreparation.forTraining(spark, job);
        try {
            FaultInjector hang = (worker, epoch, round, attempt) -> {
                if (worker == 1) {
                    try {
                        Thread.sleep(60_000); // a stuck executor; cancelling the job interrupts it
                    } catch (InterruptedException e) {
                        throw new IllegalStateException("interrupted by the cancel", e);
                    }
                }
            };
            long start = System.nanoTime();
            RoundWatch.RoundTimeoutException e = assertThrows(RoundWatch.RoundTimeoutException.class,
                    () -> new DistributedTrainer(spark, job, hang).train(data.train(), data.heldOut(), data.labels(),
                            data.shape(), data.normalisation()));
            assertTrue((System.nanoTime() - start) / 1e9 < 45, "failed after the timeout, not after the hang");
            String m = e.getMessage();
            assertTrue(m.contains("round 1/") && m.contains("of epoch 1"), m);
            assertTrue(m.contains("train.roundTimeoutSeconds = 20"), m);
            assertTrue(m.contains("Stage "), m);
            assertTrue(m.contains("(worker 1, attempt 0) on executor driver"), m);
            assertFalse(m.contains("(worker 0,"), "worker 0 had finished: " + m);
            assertEquals(3, spark.range(3).count(), "the session still works after the cancel");
        } finally {
            data.release();
        }
    }

    @Test
    void theCacheStorageDoesNotChangeTheResult(SparkSession spark) throws IOException {
        Path lake = lake(6);
        float[] reference = null;
        for (String storage : List.of("memory", "serialised", "disk", "encoded")) {
            JobConfig job = job(lake, "train.workers=2", "train.epochs=1", "data.cache.storage=" + storage);
            PreparedData data = DataPreparation.forTraining(spark, job);
            try {
                assertEquals(TrainingData.level(job.data().cacheStorage()), data.train().getStorageLevel(), storage);
                float[] params = floats(new DistributedTrainer(spark, job, FaultInjector.NONE)
                        .train(data.train(), data.heldOut(), data.labels(), data.shape(), data.normalisation())
                        .network().params());
                if (reference == null) {
                    reference = params;
                } else {
                    assertArrayEquals(reference, params, 0f, storage);
                }
            } finally {
                data.release();
            }
        }
    }

    @Test
    void aLakeLargerThanTheCacheBudgetFailsNamingTheKey(SparkSession spark) throws IOException {
        Path lake = lake(8); // 24 images of 28 x 28 = 18,816 bytes as 8-bit levels
        ConfigException before = assertThrows(ConfigException.class,
                () -> DataPreparation.forTraining(spark, job(lake, "train.workers=2", "data.cache.maxBytes=10000")));
        assertTrue(before.getMessage().contains("data.cache.maxBytes"), before.getMessage());
        assertTrue(before.getMessage().contains("10000"), before.getMessage());

        // Resized to 20 x 20 the pixels are no longer 8-bit levels: 24 x 400 floats = 38,400 bytes.
        ConfigException after = assertThrows(ConfigException.class, () -> DataPreparation.forTraining(spark,
                job(lake, "train.workers=2", "data.image.height=20", "data.image.width=20",
                        "data.image.resize=resize", "data.cache.maxBytes=20000")));
        assertTrue(after.getMessage().contains("not all 8-bit levels"), after.getMessage());

        PreparedData fits = DataPreparation.forTraining(spark, job(lake, "train.workers=2",
                "data.cache.maxBytes=20000"));
        try {
            assertNotNull(fits.train().first().levels(), "8-bit PNGs are cached as bytes");
        } finally {
            fits.release();
        }
    }

    @Test
    void aResidualNetTrainsOnSparkAndRoundTripsAsAGraph(SparkSession spark) throws IOException {
        JobConfig job = job(lake(8), "train.workers=2", "train.epochs=1", "model.architecture=resnet",
                "train.learningRateSchedule=exponential");
        TrainJob.Result trained = TrainJob.run(spark, job, false, FaultInjector.NONE);
        assertTrue(trained.model().network().isGraph());
        assertEquals(1, trained.training().epochs().size());
        SavedModel loaded = assertRoundTripsAndEvaluatesTheSame(spark, job, trained);
        assertTrue(loaded.network().isGraph());
        assertEquals(trained.model().network().updaterState(), loaded.network().updaterState(), "updater state kept");
    }

    /**
     * The saved model reads back with the same labels and identical predictions, and {@code evaluate} on it
     * reproduces training's final metrics (freeing the replicas it built); returns the loaded model.
     */
    private static SavedModel assertRoundTripsAndEvaluatesTheSame(SparkSession spark, JobConfig job,
                                                                  TrainJob.Result trained) throws IOException {
        SavedModel loaded = ModelStore.read(trained.location(), spark.sparkContext().hadoopConfiguration());
        assertEquals(trained.model().labels(), loaded.labels());
        INDArray input = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 5, 1, 28, 28);
        assertEquals(trained.model().network().output(input), loaded.network().output(input), "identical predictions");

        int replicasBefore = Replicas.heldInTotal();
        Metrics again = EvaluateJob.run(spark, job, trained.location());
        assertEquals(replicasBefore, Replicas.heldInTotal(), "evaluate frees the replicas it built");
        assertEquals(trained.finalMetrics().accuracy(), again.accuracy(), 0.0);
        assertArrayEquals(trained.finalMetrics().confusion(), again.confusion());
        assertEquals(trained.finalMetrics().loss(), again.loss(), 1e-9);
        return loaded;
    }

    @Test
    void badFilesStopTrainingUnderFailAndAreCountedUnderSkip(SparkSession spark) throws IOException {
        Path lake = lake(6);
        Images.write(lake.resolve("square/broken.png"), new byte[0]);
        io.sparkcnn.data.DataException e = assertThrows(io.sparkcnn.data.DataException.class,
                () -> DataPreparation.forTraining(spark, job(lake, "train.workers=2")));
        assertTrue(e.getMessage().contains("broken.png: empty file (0 bytes)"), e.getMessage());

        PreparedData data = DataPreparation.forTraining(spark, job(lake, "train.workers=2",
                "data.badFiles.policy=skip", "data.badFiles.maxFraction=0.1"));
        try {
            assertEquals(1, data.summary().badCount());
            assertEquals(18, data.summary().imageCount(), "every good image is still there");
        } finally {
            data.release();
        }
    }

    @Test
    @Tag("dl4j-spark")
    void theStockDl4jTrainerIsSelectableAsTheReference(SparkSession spark) throws IOException {
        JobConfig job = job(lake(8), "train.workers=2", "train.epochs=1", "train.strategy=dl4j-stock");
        TrainJob.Result r = TrainJob.run(spark, job, false, FaultInjector.NONE);
        assertEquals(1, r.training().epochs().size());
        assertTrue(r.finalMetrics().count() > 0);
        assertEquals("dl4j-stock", r.model().provenance().strategy());
        assertFalse(java.nio.file.Files.exists(tmp.resolve("out/_dl4j-export")), "export folder cleaned up");
    }

    @Test
    @Tag("dl4j-spark")
    void theStrategyComesFromConfigAndOnlyTheAveragingOneResumes(SparkSession spark) {
        Trainer averaging = Trainer.of(spark, job(tmp, "train.strategy=averaging"), FaultInjector.NONE);
        assertTrue(averaging instanceof DistributedTrainer && averaging.checkpoints());
        Trainer stock = Trainer.of(spark, job(tmp, "train.strategy=dl4j-stock"), FaultInjector.NONE);
        assertTrue(stock.getClass().getSimpleName().equals("StockTrainer") && !stock.checkpoints());

        JobConfig resumeStock = job(lake(8), "train.epochs=1", "train.strategy=dl4j-stock");
        ConfigException e = assertThrows(ConfigException.class,
                () -> TrainJob.run(spark, resumeStock, false, true, FaultInjector.NONE));
        assertTrue(e.getMessage().startsWith("train.strategy") && e.getMessage().contains("--resume"), e.getMessage());
    }
}
