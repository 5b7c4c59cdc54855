package io.sparkcnn.spark.lake;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.data.FashionMnistImporter;
import io.sparkcnn.data.IdxReader;
import io.sparkcnn.data.LakeReports;
import io.sparkcnn.data.Split;
import io.sparkcnn.eval.Metrics;
import io.sparkcnn.model.ModelStore;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.spark.job.EvaluateJob;
import io.sparkcnn.spark.job.InspectJob;
import io.sparkcnn.spark.job.TrainJob;
import io.sparkcnn.spark.training.CheckpointTest;
import io.sparkcnn.spark.training.Checkpoints;
import io.sparkcnn.spark.training.FaultInjector;
import io.sparkcnn.testing.Images;
import io.sparkcnn.testing.LocalSpark;
import io.sparkcnn.testing.MiniHdfs;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Import, listing, decoding and reports against a real HDFS (MiniDFSCluster, one datanode). */
@ExtendWith({LocalSpark.class, MiniHdfs.class})
class HdfsLakeTest {
    private static final int LIMIT = 200;
    private static MiniDFSCluster cluster;
    private static String hdfs;
    private static FileSystem fs;

    @BeforeAll
    static void useHdfs() {
        cluster = MiniHdfs.cluster();
        fs = MiniHdfs.fileSystem();
        hdfs = MiniHdfs.uri();
    }

    private static Map<String, Long> expectedCounts(String labelsFile) throws IOException {
        byte[] labels;
        try (InputStream in = new FileInputStream(FashionMnistImporter.DEBIAN_SOURCE + "/" + labelsFile)) {
            labels = IdxReader.readLabels(in, labelsFile);
        }
        Map<String, Long> counts = new TreeMap<>();
        for (int i = 0; i < LIMIT; i++) {
            counts.merge(FashionMnistImporter.CLASS_NAMES.get(labels[i]), 1L, Long::sum);
        }
        return counts;
    }

    @Test
    void importInspectAndReportOnHdfs(SparkSession spark) throws IOException {
        assertTrue(Files.isDirectory(java.nio.file.Path.of(FashionMnistImporter.DEBIAN_SOURCE)),
                "needs Debian's dataset-fashion-mnist (scripts/test.sh installs it)");
        String lake = hdfs + "/lakes/fashion";
        FashionMnistImporter importer = new FashionMnistImporter(cluster.getConfiguration(0));
        var first = importer.importAll(FashionMnistImporter.DEBIAN_SOURCE, lake, LIMIT);
        assertEquals(LIMIT, first.get(0).written());
        var again = importer.importAll(FashionMnistImporter.DEBIAN_SOURCE, lake, LIMIT);
        assertTrue(again.get(0).skippedWhole() && again.get(1).skippedWhole(), "idempotent on HDFS");
        assertTrue(fs.exists(new Path("/lakes/fashion/train/_SUCCESS")));

        // One bad file in the lake, counted under the skip policy.
        try (FSDataOutputStream out = fs.create(new Path("/lakes/fashion/train/bag/broken.png"))) {
            out.write("not a png".getBytes(StandardCharsets.UTF_8));
        }
        JobConfig c = JobConfigLoader.load(Optional.empty(), List.of("data.train=" + lake + "/train",
                "data.heldOut=" + lake + "/test", "output.dir=" + hdfs + "/runs/inspect",
                "data.badFiles.policy=skip", "data.badFiles.maxFraction=0.05"));
        InspectJob.Result r = InspectJob.run(spark, c);
        assertEquals(expectedCounts("train-labels-idx1-ubyte.gz"), nonZero(r.summary().images(Split.TRAIN)));
        assertEquals(expectedCounts("t10k-labels-idx1-ubyte.gz"), nonZero(r.summary().images(Split.HELD_OUT)));
        assertEquals(1, r.summary().badCount());
        assertTrue(r.summary().badFiles().get(0).path().startsWith(hdfs), r.summary().badFiles().toString());

        String report = read(new Path("/runs/inspect/" + LakeReports.BAD_FILES));
        assertTrue(report.contains("broken.png\tnot an image"), report);
        assertTrue(read(new Path("/runs/inspect/" + LakeReports.INSPECT)).contains("\"ankle-boot\""));
    }

    @Test
    void trainOnHdfsWritesTheModelBackAndEvaluateReproducesIt(SparkSession spark) throws IOException {
        String lake = hdfs + "/lakes/train-eval";
        new FashionMnistImporter(cluster.getConfiguration(0)).importAll(FashionMnistImporter.DEBIAN_SOURCE, lake, LIMIT);
        String out = hdfs + "/runs/train";
        JobConfig c = JobConfigLoader.load(Optional.empty(), List.of("data.train=" + lake + "/train",
                "data.heldOut=" + lake + "/test", "output.dir=" + out, "train.epochs=1", "train.workers=2",
                "train.batchSizePerWorker=16"));
        TrainJob.Result trained = TrainJob.run(spark, c, false, FaultInjector.NONE);
        assertTrue(trained.location().startsWith(hdfs), trained.location());
        for (String file : List.of("_SUCCESS", "model.zip", "model.json", "snapshot.tsv")) {
            assertTrue(fs.exists(new Path("/runs/train/model/" + file)), file + " on HDFS");
        }
        assertTrue(read(new Path("/runs/train/model/snapshot.tsv")).contains(lake + "/train/"), "HDFS paths");
        SavedModel loaded = ModelStore.read(out + "/model", spark.sparkContext().hadoopConfiguration());
        assertEquals(trained.model().labels(), loaded.labels());
        Metrics again = EvaluateJob.run(spark, c, out + "/model");
        assertEquals(trained.finalMetrics().accuracy(), again.accuracy(), 0.0);
        assertEquals(trained.finalMetrics().loss(), again.loss(), 1e-9);
        assertEquals(LIMIT, again.count());
    }

    @Test
    void checkpointsOnHdfsAreWrittenAtomicallyPrunedAndACorruptOneIsSkipped() throws IOException {
        Checkpoints store = new Checkpoints(hdfs + "/runs/ck/checkpoints", 2, cluster.getConfiguration(0));
        for (int n = 1; n <= 3; n++) {
            store.save(CheckpointTest.checkpoint(n, n));
        }
        List<String> names = new java.util.ArrayList<>();
        for (org.apache.hadoop.fs.FileStatus s : fs.listStatus(new Path("/runs/ck/checkpoints"))) {
            names.add(s.getPath().getName());
        }
        names.sort(null);
        assertEquals(List.of("round-000000002", "round-000000003"), names, "two kept, nothing hidden left");
        try (FSDataOutputStream out = fs.create(new Path("/runs/ck/checkpoints/round-000000003/"
                + Checkpoints.DATA), true)) {
            out.write(new byte[] {1, 2, 3});
        }
        List<String> skipped = new java.util.ArrayList<>();
        Checkpoints.Loaded loaded = store.newest(skipped::add).orElseThrow();
        assertTrue(loaded.location().startsWith(hdfs) && loaded.location().endsWith("round-000000002"),
                loaded.location());
        assertEquals(2f, loaded.checkpoint().params()[0]);
        assertEquals(1, skipped.size(), skipped.toString());
        assertTrue(skipped.get(0).contains("3 bytes"), skipped.get(0));
    }

    @Test
    void manifestOnHdfsResolvesRelativePaths(SparkSession spark) throws IOException {
        for (int i = 0; i < 3; i++) {
            try (FSDataOutputStream out = fs.create(new Path("/lakes/m/imgs/" + i + ".png"))) {
                out.write(Images.encode(Images.grey(28, 28, i), "png"));
            }
        }
        try (FSDataOutputStream out = fs.create(new Path("/lakes/m/manifest.csv"))) {
            out.write("path,label\nimgs/0.png,a\nimgs/1.png,b\nimgs/2.png,a\n".getBytes(StandardCharsets.UTF_8));
        }
        JobConfig c = JobConfigLoader.load(Optional.empty(), List.of("data.train=" + hdfs + "/lakes/m/manifest.csv",
                "data.heldOutFraction=0", "output.dir=" + hdfs + "/runs/m"));
        InspectJob.Result r = InspectJob.run(spark, c);
        assertEquals(Map.of("a", 2L, "b", 1L), r.summary().images(Split.TRAIN));
    }

    private static Map<String, Long> nonZero(Map<String, Long> m) {
        Map<String, Long> out = new TreeMap<>(m);
        out.values().removeIf(v -> v == 0);
        return out;
    }

    private static String read(Path p) throws IOException {
        try (InputStream in = fs.open(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
