package io.sparkcnn.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JobConfigLoaderTest {
    @TempDir
    Path dir;

    private Path conf(String text) throws IOException {
        return Files.writeString(dir.resolve("job.conf"), text);
    }

    private static JobConfig load(Path file, String... overrides) {
        return JobConfigLoader.load(Optional.ofNullable(file), List.of(overrides));
    }

    @Test
    void defaultsComeFromTheDeclarations() {
        JobConfig c = load(null);
        assertEquals(42L, c.seed());
        assertEquals(28, c.data().image().height());
        assertEquals(1, c.data().image().channels());
        assertEquals(ResizePolicy.ERROR, c.data().image().resize());
        assertEquals(BadFilePolicy.FAIL, c.data().badFiles().policy());
        assertEquals(List.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff", "webp"), c.data().extensions());
        assertEquals(0.1, c.data().heldOutFraction());
        assertEquals(Map.of(), c.spark().conf());
    }

    @Test
    void scheduleAndThreadKeysAreReadAndChecked() {
        TrainConfig t = load(null, "train.learningRateSchedule=step", "train.learningRateDecay=0.1",
                "train.learningRateDecayEpochs=3", "train.threadsPerWorker=2").train();
        assertEquals(LearningRateSchedule.STEP, t.optimiser().schedule());
        assertEquals(0.1, t.optimiser().decay());
        assertEquals(3, t.optimiser().decayEpochs());
        assertEquals(2, t.threadsPerWorker());
        assertEquals(4, t.workersFor(8), "workers default to the cores divided by threads per worker");
        assertEquals(1, t.workersFor(1));
        assertEquals(LearningRateSchedule.CONSTANT, load(null).train().optimiser().schedule());
        assertEquals(1, load(null).train().threadsPerWorker());

        ConfigException schedule = assertThrows(ConfigException.class,
                () -> load(null, "train.learningRateSchedule=sawtooth"));
        assertTrue(schedule.getMessage().contains("train.learningRateSchedule"), schedule.getMessage());
        assertTrue(schedule.getMessage().contains("sawtooth"), schedule.getMessage());
        ConfigException decay = assertThrows(ConfigException.class, () -> load(null, "train.learningRateDecay=1.5"));
        assertTrue(decay.getMessage().contains("train.learningRateDecay"), decay.getMessage());
        ConfigException threads = assertThrows(ConfigException.class, () -> load(null, "train.threadsPerWorker=0"));
        assertTrue(threads.getMessage().contains("train.threadsPerWorker"), threads.getMessage());
    }

    @Test
    void checkpointKeysAreReadAndChecked() {
        CheckpointConfig c = load(null, "train.checkpoint.everyRounds=10", "train.checkpoint.keep=3").checkpoint();
        assertEquals(new CheckpointConfig(10, 3), c);
        assertTrue(c.dueAfter(20) && !c.dueAfter(25));
        assertFalse(new CheckpointConfig(0, 1).dueAfter(10), "0: only at the end of each epoch");
        assertEquals(50, load(null).checkpoint().everyRounds());
        ConfigException keep = assertThrows(ConfigException.class, () -> load(null, "train.checkpoint.keep=0"));
        assertTrue(keep.getMessage().contains("train.checkpoint.keep"), keep.getMessage());
        ConfigException every = assertThrows(ConfigException.class,
                () -> load(null, "train.checkpoint.everyRounds=-1"));
        assertTrue(every.getMessage().contains("train.checkpoint.everyRounds"), every.getMessage());
    }

    @Test
    void cacheKeysTakeSizesWithUnitsAndNameTheKeyOnBadValues() {
        DataConfig d = load(null, "data.cache.maxBytes=512m", "data.cache.storage=serialised").data();
        assertEquals(512L * 1024 * 1024, d.cacheBudget());
        assertEquals(CacheStorage.SERIALISED, d.cacheStorage());
        assertEquals(16L << 30, load(null).data().cacheBudget());
        for (String bad : List.of("lots", "0", "-5m")) {
            ConfigException e = assertThrows(ConfigException.class, () -> load(null, "data.cache.maxBytes=" + bad));
            assertTrue(e.getMessage().contains("data.cache.maxBytes"), e.getMessage());
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
        ConfigException storage = assertThrows(ConfigException.class, () -> load(null, "data.cache.storage=ssd"));
        assertTrue(storage.getMessage().contains("memory | serialised | disk"), storage.getMessage());
    }

    @Test
    void overridesWinOverTheFileWhichWinsOverDefaults() throws IOException {
        Path f = conf("seed = 7\ndata { image { height = 32, width = 32 }, heldOutFraction = 0.2 }\n");
        JobConfig c = load(f, "data.image.height=64", "data.badFiles.policy=skip");
        assertEquals(7L, c.seed());
        assertEquals(64, c.data().image().height());
        assertEquals(32, c.data().image().width());
        assertEquals(0.2, c.data().heldOutFraction());
        assertEquals(BadFilePolicy.SKIP, c.data().badFiles().policy());
    }

    @Test
    void overrideValuesAreTakenVerbatimSoUrisNeedNoQuoting() {
        JobConfig c = load(null, "data.train=hdfs://nn:8020/lakes/a b", "data.extensions=[png, tif]",
                "spark.conf={\"spark.executor.memory\" = 4g}");
        assertEquals("hdfs://nn:8020/lakes/a b", c.data().train());
        assertEquals(List.of("png", "tif"), c.data().extensions());
        assertEquals(Map.of("spark.executor.memory", "4g"), c.spark().conf());
    }

    @Test
    void sparkConfAcceptsNestedAndQuotedKeys() throws IOException {
        Path f = conf("spark.conf { spark.executor.cores = 2, \"spark.task.cpus\" = 1 }\n");
        assertEquals(Map.of("spark.executor.cores", "2", "spark.task.cpus", "1"), load(f).spark().conf());
    }

    @Test
    void unknownKeyIsNamedWithTheNearestKnownOne() throws IOException {
        Path f = conf("data { image { heigth = 32 } }\n");
        ConfigException e = assertThrows(ConfigException.class, () -> load(f));
        assertEquals("data.image.heigth", e.key());
        assertTrue(e.getMessage().contains("unknown key"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean data.image.height?"), e.getMessage());
        assertTrue(e.getMessage().contains("job.conf"), "names the file: " + e.getMessage());
    }

    @Test
    void unknownOverrideKeyIsRejected() {
        ConfigException e = assertThrows(ConfigException.class, () -> load(null, "train.epoch=3"));
        assertEquals("train.epoch", e.key());
        assertTrue(e.getMessage().contains("did you mean train.epochs?"), e.getMessage());
    }

    @Test
    void wrongTypeNamesKeyValueAndWhatIsAllowed() throws IOException {
        Path f = conf("data.image.height = tall\n");
        ConfigException e = assertThrows(ConfigException.class, () -> load(f));
        assertEquals("data.image.height", e.key());
        assertTrue(e.getMessage().contains("\"tall\""), e.getMessage());
        assertTrue(e.getMessage().contains("an integer in [1, 8192]"), e.getMessage());
        assertTrue(e.getMessage().contains("job.conf"), e.getMessage());
    }

    @Test
    void listWhereAStringIsExpectedIsAWrongType() {
        ConfigException e = assertThrows(ConfigException.class, () -> load(null, "data.train=[a, b]"));
        assertEquals("data.train", e.key());
    }

    @Test
    void outOfRangeValuesNameKeyValueAndRange() {
        ConfigException height = assertThrows(ConfigException.class, () -> load(null, "data.image.height=-3"));
        assertEquals("data.image.height: must be an integer in [1, 8192], got -3", height.getMessage());

        ConfigException fraction = assertThrows(ConfigException.class, () -> load(null, "data.heldOutFraction=1"));
        assertEquals("data.heldOutFraction: must be a number in [0.0, 1.0), got 1.0", fraction.getMessage());

        ConfigException channels = assertThrows(ConfigException.class, () -> load(null, "data.image.channels=4"));
        assertEquals("data.image.channels: must be one of [1, 3], got 4", channels.getMessage());

        ConfigException policy = assertThrows(ConfigException.class, () -> load(null, "data.badFiles.policy=ignore"));
        assertEquals("data.badFiles.policy: must be one of fail | skip, got \"ignore\"", policy.getMessage());

        ConfigException ext = assertThrows(ConfigException.class, () -> load(null, "data.extensions=[\".png\"]"));
        assertEquals("data.extensions", ext.key());
    }

    @Test
    void malformedOverrideAndMissingFileAreClear() {
        ConfigException noEquals = assertThrows(ConfigException.class, () -> load(null, "data.train"));
        assertTrue(noEquals.getMessage().contains("key=value"), noEquals.getMessage());
        ConfigException missing = assertThrows(ConfigException.class,
                () -> load(dir.resolve("nope.conf")));
        assertTrue(missing.getMessage().contains("nope.conf"), missing.getMessage());
    }

    @Test
    void syntaxErrorNamesTheFile() throws IOException {
        Path f = conf("data { image = \n");
        ConfigException e = assertThrows(ConfigException.class, () -> load(f));
        assertTrue(e.getMessage().contains("job.conf"), e.getMessage());
    }

    @Test
    void recordsValidateWhenBuiltInCodeToo() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new ImageConfig(0, 28, 1, ResizePolicy.ERROR, NormalisationKind.UNIT));
        assertEquals("data.image.height", e.key());
        ConfigException b = assertThrows(ConfigException.class,
                () -> new BadFilesConfig(BadFilePolicy.SKIP, 1.5, 10, DuplicatePolicy.ERROR));
        assertEquals("data.badFiles.maxFraction", b.key());
    }

    @Test
    void missingTrainingLakeIsNamedWhenNeeded() {
        ConfigException e = assertThrows(ConfigException.class, () -> load(null).data().requireTrain());
        assertEquals("data.train", e.key());
    }

    @Test
    void renderedConfigLoadsBackToAnEqualConfig() throws IOException {
        JobConfig original = load(null, "seed=9", "data.train=hdfs://nn:8020/x", "data.image.resize=centre-crop",
                "data.image.channels=3", "data.badFiles.policy=skip", "data.extensions=[png]",
                "spark.conf={\"spark.executor.memory\" = 4g}");
        Path f = Files.writeString(dir.resolve("rendered.conf"), JobConfigLoader.render(original));
        assertEquals(original, load(f));
    }

    @Test
    void renderCoversEveryDeclaredKey() {
        String rendered = JobConfigLoader.render(load(null));
        for (Setting<?> s : Settings.ALL) {
            assertTrue(rendered.contains(s.key() + " = "), "render misses " + s.key());
        }
    }

    @Test
    void everyExampleJobFileLoads() throws IOException {
        try (var files = Files.list(Path.of("conf"))) {
            List<Path> confs = files.filter(p -> p.toString().endsWith(".conf")).toList();
            assertTrue(confs.size() >= 3, "example configs in conf/: " + confs);
            for (Path p : confs) {
                load(p);
            }
        }
    }

    @Test
    void editDistanceCountsEdits() {
        assertEquals(2, JobConfigLoader.editDistance("heigth", "height"));
        assertEquals(0, JobConfigLoader.editDistance("a", "a"));
        assertEquals(3, JobConfigLoader.editDistance("", "abc"));
    }
}
