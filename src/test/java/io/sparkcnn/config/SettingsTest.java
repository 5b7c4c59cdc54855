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

/** What derives from the declarations in Settings: rendering, enum choices, what a resume may change. */
class SettingsTest {
    @Test
    void everySettingRendersFromALoadedConfigAndReadsBackTheSame(@TempDir Path tmp) throws IOException {
        // A strategy other than the default where the build has one (the Spark 4 build has no dl4j-stock).
        String strategy = TrainingStrategy.DL4J_STOCK.available() ? "dl4j-stock" : "averaging";
        JobConfig job = JobConfigLoader.load(Optional.empty(), List.of("train.strategy=" + strategy,
                "data.image.resize=centre-crop", "spark.conf.\"spark.executor.memory\"=4g"));
        Map<String, String> values = JobConfigLoader.values(job);
        assertEquals(Settings.ALL.stream().map(Setting::key).toList(), List.copyOf(values.keySet()));
        assertEquals("\"" + strategy + "\"", values.get("train.strategy"));
        assertEquals("\"centre-crop\"", values.get("data.image.resize"));
        Path file = Files.writeString(tmp.resolve("job.conf"), JobConfigLoader.render(job));
        JobConfig again = JobConfigLoader.load(Optional.of(file), List.of());
        assertEquals(values, JobConfigLoader.values(again));
    }

    @Test
    void dl4jStockIsChosenWhereTheBuildHasDl4jSparkAndRefusedNamingTheKeyWhereNot() {
        List<String> stock = List.of("train.strategy=dl4j-stock");
        if (BuildInfo.sparkVersion().startsWith("3.")) {
            assertTrue(TrainingStrategy.DL4J_STOCK.available());
            assertEquals(TrainingStrategy.DL4J_STOCK, JobConfigLoader.load(Optional.empty(), stock).train().strategy());
        } else {
            assertFalse(TrainingStrategy.DL4J_STOCK.available());
            ConfigException e = assertThrows(ConfigException.class, () -> JobConfigLoader.load(Optional.empty(), stock));
            assertEquals("train.strategy", e.key());
            assertTrue(e.getMessage().contains("Spark 3.5") && e.getMessage().contains(BuildInfo.sparkVersion()),
                    e.getMessage());
        }
    }

    @Test
    void enumChoicesAreTheEnumsConstants() {
        assertEquals("one of averaging | dl4j-stock", Settings.TRAIN_STRATEGY.allowed());
        for (TrainingStrategy s : TrainingStrategy.values()) {
            assertTrue(Settings.TRAIN_STRATEGY.accepts(s.configName()));
            if (s.available()) {
                assertEquals(s, TrainingStrategy.fromConfig(s.configName()));
            }
        }
        assertEquals("one of error | resize | centre-crop", Settings.IMAGE_RESIZE.allowed());
    }

    @Test
    void aResumedRunMayChangeOnlyWhatDoesNotChangeTheResult() {
        for (Setting<?> s : Settings.ALL) {
            boolean runOnly = s.key().startsWith("spark.") || s.key().startsWith("registry.")
                    || s.key().startsWith("retrain.") || s.key().startsWith("predict.")
                    || s.key().startsWith("train.checkpoint.") || s.key().equals("output.dir");
            if (runOnly) {
                assertFalse(s.changesResult(), s.key());
            }
        }
        for (Setting<?> s : List.of(Settings.SEED, Settings.TRAIN_LEARNING_RATE, Settings.TRAIN_AVERAGING_FREQUENCY,
                Settings.TRAIN_EPOCHS, Settings.DATA_TRAIN, Settings.IMAGE_RESIZE, Settings.TRAIN_STRATEGY)) {
            assertTrue(s.changesResult(), s.key());
        }
    }

    @Test
    void systemPropertiesChangeOnlyWhenTheOppositeOfTheirDefaultIsSpelledOut() {
        SystemProperty on = new SystemProperty("sparkcnn.test.on", true, "");
        SystemProperty off = new SystemProperty("sparkcnn.test.off", false, "");
        try {
            assertTrue(on.value());
            assertFalse(off.value());
            System.setProperty(on.name(), "FALSE");
            System.setProperty(off.name(), "true");
            assertFalse(on.value());
            assertTrue(off.value());
            System.setProperty(on.name(), "no");
            System.setProperty(off.name(), "yes");
            assertTrue(on.value());
            assertFalse(off.value());
        } finally {
            System.clearProperty(on.name());
            System.clearProperty(off.name());
        }
    }
}
