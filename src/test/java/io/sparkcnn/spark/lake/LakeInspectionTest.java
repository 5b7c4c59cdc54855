package io.sparkcnn.spark.lake;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.data.BadFile;
import io.sparkcnn.data.DataException;
import io.sparkcnn.data.HeldOutSplit;
import io.sparkcnn.data.LakeFile;
import io.sparkcnn.data.LakeReports;
import io.sparkcnn.data.Split;
import io.sparkcnn.spark.job.InspectJob;
import io.sparkcnn.testing.Images;
import io.sparkcnn.testing.LocalSpark;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Listing and inspecting real image lakes on a real local Spark session. */
@ExtendWith(LocalSpark.class)
class LakeInspectionTest {
    @TempDir
    Path tmp;

    private JobConfig config(String... overrides) {
        List<String> all = new ArrayList<>(List.of("output.dir=" + tmp.resolve("out"), "data.heldOutFraction=0.25"));
        all.addAll(Arrays.asList(overrides));
        return JobConfigLoader.load(Optional.empty(), all);
    }

    /** cat: 6 images (two nested deeper), dog: 4 images; no bad files. */
    private Path cleanLake() {
        Path root = tmp.resolve("lake");
        for (int i = 0; i < 4; i++) {
            Images.writePng(root.resolve("cat/" + i + ".png"), i);
            Images.writePng(root.resolve("dog/" + i + ".png"), 10 + i);
        }
        Images.writePng(root.resolve("cat/2024/jan/a.png"), 20);
        Images.writePng(root.resolve("cat/2024/feb/b.png"), 21);
        // Hidden files are skipped as Spark and Hadoop do: markers, temporaries.
        Images.write(root.resolve("dog/_SUCCESS"), new byte[0]);
        Images.write(root.resolve("dog/.5.png.tmp"), new byte[] {1});
        return root;
    }

    /** The clean lake plus one of each bad kind: 5 bad entries. */
    private Path dirtyLake() throws IOException {
        Path root = cleanLake();
        Files.createDirectories(root.resolve("empty"));
        Images.write(root.resolve("dog/notes.txt"), "not an image".getBytes());
        Images.write(root.resolve("dog/zero.png"), new byte[0]);
        byte[] png = Images.encode(Images.grey(28, 28, 1), "png");
        Images.write(root.resolve("cat/half.png"), Arrays.copyOf(png, png.length / 2));
        Images.writePng(root.resolve("stray.png"), 3);
        return root;
    }

    @Test
    void cleanLakeCountsEveryImageAtAnyDepthAndSplitsByPathHash(SparkSession spark) throws IOException {
        Path root = cleanLake();
        JobConfig c = config("data.train=" + root);
        InspectJob.Result r = InspectJob.run(spark, c);
        assertEquals(List.of("cat", "dog"), r.labels().labels());
        assertEquals(10, r.summary().imageCount());
        assertEquals(0, r.summary().badCount());
        assertEquals(Map.of("png 28x28 1ch 8-bit", 10L), r.summary().kinds());

        HeldOutSplit split = new HeldOutSplit(c.seed(), 0.25);
        long expectedHeldOut = List.of("cat/0.png", "cat/1.png", "cat/2.png", "cat/3.png", "cat/2024/jan/a.png",
                        "cat/2024/feb/b.png", "dog/0.png", "dog/1.png", "dog/2.png", "dog/3.png").stream()
                .filter(split::isHeldOut).count();
        assertEquals(expectedHeldOut, r.summary().imageCount(Split.HELD_OUT));
        assertTrue(Files.readString(Path.of(java.net.URI.create(r.summaryReport()))).contains("\"cat\""));
    }

    @Test
    void addingFilesKeepsEveryOldFileOnItsSide(SparkSession spark) {
        Path root = cleanLake();
        JobConfig c = config("data.train=" + root);
        Map<String, Split> before = splits(spark, c);
        for (int i = 100; i < 140; i++) {
            Images.writePng(root.resolve((i % 2 == 0 ? "cat/" : "dog/new/") + i + ".png"), i);
        }
        Map<String, Split> after = splits(spark, c);
        assertEquals(before.size() + 40, after.size());
        before.forEach((path, split) -> assertEquals(split, after.get(path), path));
    }

    private static Map<String, Split> splits(SparkSession spark, JobConfig c) {
        LakeListing listing = LakeLister.list(spark, c.data(), c.seed());
        Map<String, Split> m = listing.files().collect().stream()
                .collect(Collectors.toMap(LakeFile::relativePath, LakeFile::split));
        listing.files().unpersist();
        return m;
    }

    @Test
    void failPolicyStopsWithEveryBadPathAndReason(SparkSession spark) throws IOException {
        Path root = dirtyLake();
        DataException e = assertThrows(DataException.class,
                () -> InspectJob.run(spark, config("data.train=" + root)));
        String m = e.getMessage();
        assertTrue(m.startsWith("5 bad file(s) of 15 (data.badFiles.policy = fail)"), m);
        assertTrue(m.contains("dog/notes.txt: not an image extension: .txt"), m);
        assertTrue(m.contains("dog/zero.png: empty file (0 bytes)"), m);
        assertTrue(m.contains("cat/half.png: truncated or corrupt image"), m);
        assertTrue(m.contains("stray.png: not inside a label folder"), m);
        assertTrue(m.contains("empty: empty label folder"), m);
        assertTrue(m.contains("data.badFiles.policy = skip"), "says how to go on: " + m);
        assertTrue(Files.readString(tmp.resolve("out").resolve(LakeReports.BAD_FILES)).contains("zero.png"),
                "the report is written even when the policy stops the job");
    }

    @Test
    void skipPolicyCountsListsAndReportsBadFiles(SparkSession spark) throws IOException {
        Path root = dirtyLake();
        InspectJob.Result r = InspectJob.run(spark, config("data.train=" + root, "data.badFiles.policy=skip",
                "data.badFiles.maxFraction=0.5"));
        assertEquals(10, r.summary().imageCount());
        assertEquals(5, r.summary().badCount());
        assertEquals(List.of("cat", "dog"), r.labels().labels(), "an empty folder is no class");
        List<String> report = Files.readAllLines(tmp.resolve("out").resolve(LakeReports.BAD_FILES));
        assertEquals("path\treason", report.get(0));
        assertEquals(6, report.size(), String.join("\n", report));
        List<String> paths = r.summary().badFiles().stream().map(BadFile::path).toList();
        assertTrue(paths.stream().anyMatch(p -> p.endsWith("/empty")), paths.toString());
    }

    @Test
    void skipPolicyStillFailsAboveMaxFraction(SparkSession spark) throws IOException {
        Path root = dirtyLake();
        DataException e = assertThrows(DataException.class, () -> InspectJob.run(spark,
                config("data.train=" + root, "data.badFiles.policy=skip", "data.badFiles.maxFraction=0.1",
                        "data.badFiles.listLimit=2")));
        assertTrue(e.getMessage().startsWith("5 of 15 files are bad (33.333%), more than data.badFiles.maxFraction = 0.1"),
                e.getMessage());
        assertTrue(e.getMessage().contains("... and 3 more"), e.getMessage());
    }

    @Test
    void symlinksAreFollowedAndADanglingOneIsABadFile(SparkSession spark) throws IOException {
        Path root = cleanLake();
        Path elsewhere = tmp.resolve("elsewhere");
        Images.writePng(elsewhere.resolve("x.png"), 77);
        Files.createSymbolicLink(root.resolve("cat/linked.png"), elsewhere.resolve("x.png"));
        Files.createSymbolicLink(root.resolve("dog/linked-folder"), elsewhere);
        Files.createSymbolicLink(root.resolve("dog/dangling.png"), tmp.resolve("gone.png"));
        InspectJob.Result r = InspectJob.run(spark, config("data.train=" + root, "data.badFiles.policy=skip",
                "data.badFiles.maxFraction=0.5"));
        assertEquals(12, r.summary().imageCount(), "10 + a linked file + a file in a linked folder");
        assertEquals(List.of("dangling.png: file not found"), r.summary().badFiles().stream()
                .map(b -> b.path().substring(b.path().lastIndexOf('/') + 1) + ": " + b.reason()).toList());
    }

    @Test
    void wrongSizeIsABadFileUnderResizeErrorAndFineUnderResize(SparkSession spark) {
        Path root = cleanLake();
        Images.write(root.resolve("dog/big.png"), Images.encode(Images.grey(40, 30, 1), "png"));
        DataException e = assertThrows(DataException.class, () -> InspectJob.run(spark, config("data.train=" + root)));
        assertTrue(e.getMessage().contains("big.png: image is 40x30 (width x height), expected 28x28"), e.getMessage());
        assertEquals(11, assertDoesNotThrowRun(spark, config("data.train=" + root, "data.image.resize=resize"))
                .summary().imageCount());
    }

    private static InspectJob.Result assertDoesNotThrowRun(SparkSession spark, JobConfig c) {
        try {
            return InspectJob.run(spark, c);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void csvManifestWithRelativeAndAbsolutePathsAndItsBadRows(SparkSession spark) throws IOException {
        Path root = cleanLake();
        Path manifest = tmp.resolve("lake/manifest.csv");
        Files.writeString(manifest, String.join("\n",
                "path,label",
                "cat/0.png,cat",
                "cat/2024/jan/a.png,cat",
                root.resolve("dog/1.png").toUri() + ",dog",
                root.resolve("dog/2.png") + ",dog",
                "dog/missing.png,dog",
                "dog/3.png,",
                ""));
        InspectJob.Result r = InspectJob.run(spark, config("data.train=" + manifest, "data.badFiles.policy=skip",
                "data.badFiles.maxFraction=0.5"));
        assertEquals(4, r.summary().imageCount());
        assertEquals(Map.of("cat", 2L, "dog", 2L), merged(r));
        List<String> reasons = r.summary().badFiles().stream().map(BadFile::toString).toList();
        assertTrue(reasons.stream().anyMatch(s -> s.contains("missing.png: file not found")), reasons.toString());
        assertTrue(reasons.stream().anyMatch(s -> s.contains("gives no label")), reasons.toString());
    }

    private static Map<String, Long> merged(InspectJob.Result r) {
        Map<String, Long> m = new java.util.TreeMap<>();
        for (Split s : Split.values()) {
            r.summary().images(s).forEach((k, v) -> m.merge(k, v, Long::sum));
        }
        m.values().removeIf(v -> v == 0);
        return m;
    }

    @Test
    void parquetManifestAndAManifestWithoutTheColumns(SparkSession spark) throws IOException {
        Path root = cleanLake();
        StructType schema = new StructType().add("path", DataTypes.StringType).add("label", DataTypes.StringType);
        Path parquet = tmp.resolve("lake/manifest.parquet");
        spark.createDataFrame(List.of(RowFactory.create("cat/1.png", "cat"), RowFactory.create("dog/0.png", "dog"),
                RowFactory.create("dog/3.png", "dog")), schema).coalesce(1).write().parquet(parquet.toString());
        InspectJob.Result r = InspectJob.run(spark, config("data.train=" + parquet));
        assertEquals(Map.of("cat", 1L, "dog", 2L), merged(r));

        Path wrong = Files.writeString(tmp.resolve("wrong.csv"), "file,class\ncat/1.png,cat\n");
        DataException e = assertThrows(DataException.class, () -> InspectJob.run(spark, config("data.train=" + wrong)));
        assertTrue(e.getMessage().contains("needs columns path and label, found [file, class]"), e.getMessage());
    }

    @Test
    void explicitHeldOutLakeAndAClassTheTrainingLakeLacks(SparkSession spark) throws IOException {
        Path train = cleanLake();
        Path heldOut = tmp.resolve("held-out");
        Images.writePng(heldOut.resolve("cat/0.png"), 50);
        Images.writePng(heldOut.resolve("dog/0.png"), 51);
        InspectJob.Result r = InspectJob.run(spark, config("data.train=" + train, "data.heldOut=" + heldOut));
        assertEquals(10, r.summary().imageCount(Split.TRAIN));
        assertEquals(2, r.summary().imageCount(Split.HELD_OUT));

        Images.writePng(heldOut.resolve("horse/0.png"), 52);
        DataException e = assertThrows(DataException.class,
                () -> InspectJob.run(spark, config("data.train=" + train, "data.heldOut=" + heldOut)));
        assertTrue(e.getMessage().contains("[horse]"), e.getMessage());
    }

    @Test
    void missingLakeOrFileWhereAFolderIsExpectedAreNamed(SparkSession spark) throws IOException {
        DataException missing = assertThrows(DataException.class,
                () -> InspectJob.run(spark, config("data.train=" + tmp.resolve("nowhere"))));
        assertTrue(missing.getMessage().contains("data.train: lake") && missing.getMessage().contains("nowhere"),
                missing.getMessage());
        Path file = Files.writeString(tmp.resolve("list.txt"), "x");
        DataException notFolder = assertThrows(DataException.class,
                () -> InspectJob.run(spark, config("data.train=" + file)));
        assertTrue(notFolder.getMessage().contains("is a file, not a folder lake"), notFolder.getMessage());
        assertNotNull(notFolder.getMessage());
    }
}
