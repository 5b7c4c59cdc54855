package io.sparkcnn.spark.lake;

import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.data.DataException;
import io.sparkcnn.data.LakeFile;
import io.sparkcnn.spark.job.InspectJob;
import io.sparkcnn.testing.Images;
import io.sparkcnn.testing.LocalSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lakes and settings an adversarial user would try, on a real local Spark session: each refused or counted. */
@ExtendWith(LocalSpark.class)
class HostileLakeTest {
    @TempDir
    Path tmp;

    private JobConfig config(String... overrides) {
        List<String> all = new ArrayList<>(List.of("output.dir=" + tmp.resolve("out"), "data.heldOutFraction=0.25"));
        all.addAll(Arrays.asList(overrides));
        return JobConfigLoader.load(Optional.empty(), all);
    }

    private Path lake(int perClass) {
        Path root = tmp.resolve("lake");
        for (int i = 0; i < perClass; i++) {
            Images.writePng(root.resolve("cat/" + i + ".png"), i);
            Images.writePng(root.resolve("dog/" + i + ".png"), 100 + i);
        }
        return root;
    }

    @Test
    void aSymbolicLinkLoopIsABadFileNotAStackTrace(SparkSession spark) throws IOException {
        Path root = lake(4);
        Files.createSymbolicLink(root.resolve("cat/loop"), root.resolve("cat"));
        DataException stopped = assertThrows(DataException.class,
                () -> InspectJob.run(spark, config("data.train=" + root)));
        assertTrue(stopped.getMessage().contains("cat/loop: a symbolic link that loops back to a folder above it"),
                stopped.getMessage());
        InspectJob.Result skipped = InspectJob.run(spark, config("data.train=" + root, "data.badFiles.policy=skip",
                "data.badFiles.maxFraction=0.5"));
        assertEquals(8, skipped.summary().imageCount(), "every image once, none through the loop");
        assertEquals(List.of("loop"), skipped.summary().badFiles().stream()
                .map(b -> b.path().substring(b.path().lastIndexOf('/') + 1)).toList());
    }

    @Test
    void aManifestListingAFileTwiceStopsTheJobOrKeepsTheFirstRow(SparkSession spark) throws IOException {
        Path root = lake(3);
        Path manifest = Files.writeString(tmp.resolve("lake/manifest.csv"), String.join("\n", "path,label",
                "cat/0.png,cat", "dog/0.png,dog", "cat/1.png,cat", "cat/0.png,dog", "dog/0.png,dog",
                root.resolve("cat/1.png").toUri() + ",cat", "dog/1.png,dog", ""));
        DataException stopped = assertThrows(DataException.class,
                () -> InspectJob.run(spark, config("data.train=" + manifest)));
        String m = stopped.getMessage();
        assertTrue(m.contains("lists 3 file(s) more than once") && m.contains("cat/0.png: 2 rows, labels [cat, dog]")
                && m.contains("dog/0.png: 2 rows") && m.contains("data.badFiles.duplicates = first"), m);

        JobConfig first = config("data.train=" + manifest, "data.badFiles.duplicates=first");
        List<LakeFile> files = LakeLister.list(spark, first.data(), first.seed()).files().collect();
        assertEquals(4, files.size(), "cat/0, cat/1, dog/0, dog/1 once each: " + files);
        assertEquals("cat", files.stream().filter(f -> f.uri().endsWith("cat/0.png")).findFirst().orElseThrow()
                .label(), "the first row's label");
    }

    @Test
    void moreWorkersThanTrainingImagesIsAConfigurationErrorNamingTheKey(SparkSession spark) {
        Path root = lake(6);
        ConfigException e = assertThrows(ConfigException.class, () -> DataPreparation.forTraining(spark,
                config("data.train=" + root, "train.workers=1000")));
        assertEquals("train.workers", e.key());
        assertTrue(e.getMessage().contains("1000 workers but only ") && e.getMessage().contains("training images"),
                e.getMessage());
    }

    @Test
    void aHeldOutLakeWithoutAUsableImageStopsBeforeTraining(SparkSession spark) throws IOException {
        Path root = lake(4);
        Path heldOut = tmp.resolve("held-out");
        Images.write(heldOut.resolve("cat/broken.png"), new byte[] {1, 2, 3});
        DataException e = assertThrows(DataException.class, () -> DataPreparation.forTraining(spark,
                config("data.train=" + root, "data.heldOut=" + heldOut, "data.badFiles.policy=skip",
                        "data.badFiles.maxFraction=0.5")));
        assertTrue(e.getMessage().startsWith("data.heldOut: no usable held-out image in " + heldOut), e.getMessage());

        ConfigException zero = assertThrows(ConfigException.class, () -> DataPreparation.forTraining(spark,
                config("data.train=" + root, "data.heldOutFraction=0")));
        assertEquals("data.heldOutFraction", zero.key());
    }

}
