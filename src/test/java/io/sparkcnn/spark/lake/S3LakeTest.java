package io.sparkcnn.spark.lake;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.data.FashionMnistImporter;
import io.sparkcnn.eval.Metrics;
import io.sparkcnn.model.ModelStore;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.spark.job.EvaluateJob;
import io.sparkcnn.spark.job.TrainJob;
import io.sparkcnn.spark.training.FaultInjector;
import io.sparkcnn.testing.LocalSpark;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lakes and outputs on S3 through s3a:// (hadoop-aws at Spark's Hadoop version), against a real S3 API server:
 * S3Proxy, run as its own process from the jar the build fetched (target/test-tools), with AWS signature
 * checks on and its objects in memory (jclouds' transient store; its filesystem store hangs deleting objects).
 */
@ExtendWith(LocalSpark.class)
class S3LakeTest {
    private static final int LIMIT = 200;
    private static final String ACCESS_KEY = "spark-cnn";
    private static final String SECRET_KEY = "spark-cnn-secret";
    private static Process server;
    private static java.nio.file.Path home;
    private static int port;

    @BeforeAll
    static void startS3() throws Exception {
        home = Files.createTempDirectory("s3proxy");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        java.nio.file.Path props = home.resolve("s3proxy.properties");
        Files.writeString(props, String.join("\n",
                "s3proxy.endpoint=http://127.0.0.1:" + port,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=transient",
                "jclouds.identity=" + ACCESS_KEY,
                "jclouds.credential=" + SECRET_KEY) + "\n");
        String java = ProcessHandle.current().info().command().orElse("java");
        server = new ProcessBuilder(java, "-jar", System.getProperty("s3proxy.jar", "target/test-tools/s3proxy.jar"), "--properties", props.toString())
                .redirectErrorStream(true).redirectOutput(home.resolve("s3proxy.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException notYet) {
                assertTrue(server.isAlive() && System.nanoTime() < deadline,
                        () -> "S3Proxy did not start: " + read(home.resolve("s3proxy.log")));
                Thread.sleep(200);
            }
        }
    }

    @AfterAll
    static void stopS3() throws InterruptedException {
        if (server != null) {
            server.destroy();
            server.waitFor(20, TimeUnit.SECONDS);
        }
    }

    private static String read(java.nio.file.Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** What a user puts in spark.hadoop.fs.s3a.* (or core-site.xml) for an S3-compatible store. */
    private static Configuration s3a(SparkSession spark) {
        Configuration c = spark.sparkContext().hadoopConfiguration();
        c.set("fs.s3a.endpoint", "http://127.0.0.1:" + port);
        c.set("fs.s3a.endpoint.region", "us-east-1");
        c.set("fs.s3a.path.style.access", "true");
        c.set("fs.s3a.connection.ssl.enabled", "false");
        c.set("fs.s3a.access.key", ACCESS_KEY);
        c.set("fs.s3a.secret.key", SECRET_KEY);
        c.set("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        c.set("fs.s3a.attempts.maximum", "2");
        c.set("fs.s3a.retry.limit", "2");
        return c;
    }

    @Test
    void anEndpointThatNeverAnswersFailsWithinSecondsNamingIt(SparkSession spark) throws IOException {
        Configuration conf = s3a(spark);
        try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            // Accepts connections and never answers: a firewall that drops replies, a wrong host.
            Thread acceptor = new Thread(() -> {
                List<Socket> held = new java.util.ArrayList<>();
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (IOException closed) {
                    held.forEach(S3LakeTest::closeQuietly);
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String endpoint = "http://127.0.0.1:" + silent.getLocalPort();
            conf.set("fs.s3a.bucket.silent.endpoint", endpoint);
            JobConfig job = JobConfigLoader.load(Optional.empty(), List.of("data.train=s3a://silent/lake",
                    "output.dir=" + Files.createTempDirectory("silent")));
            io.sparkcnn.data.DataException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                    java.time.Duration.ofMinutes(2), () -> assertThrows(io.sparkcnn.data.DataException.class,
                            () -> io.sparkcnn.spark.job.InspectJob.run(spark, job)));
            assertTrue(e.getMessage().startsWith("data.train: cannot read lake s3a://silent/lake: the S3 endpoint "
                    + endpoint + " of bucket silent did not answer") && e.getMessage().contains("fs.s3a.endpoint"),
                    e.getMessage());
        } finally {
            conf.unset("fs.s3a.bucket.silent.endpoint");
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // Closing a test's idle connection.
        }
    }

    /**
     * Creates a bucket through the S3 API, as an administrator would (S3A itself never creates buckets): a PUT
     * signed with AWS signature version 2, so that the test needs neither AWS SDK (Hadoop 3.3 ships v1, 3.4 v2).
     */
    private static void createBucket(Configuration conf, String bucket) {
        try {
            String date = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                    java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC));
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA1");
            mac.init(new javax.crypto.spec.SecretKeySpec(SECRET_KEY.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "HmacSHA1"));
            String signature = java.util.Base64.getEncoder().encodeToString(mac.doFinal(
                    ("PUT\n\n\n" + date + "\n/" + bucket + "/").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(conf.get("fs.s3a.endpoint") + "/" + bucket
                                    + "/"))
                            .header("Date", date).header("Authorization", "AWS " + ACCESS_KEY + ":" + signature)
                            .PUT(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertTrue(r.statusCode() == 200 || r.body().contains("BucketAlreadyOwnedByYou"),
                    "creating bucket " + bucket + ": " + r.statusCode() + " " + r.body());
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void trainReadsAnS3LakeCheckpointsAndResumesOnS3WritesTheModelBackAndEvaluateReproducesIt(SparkSession spark)
            throws IOException {
        Configuration conf = s3a(spark);
        createBucket(conf, "lake");
        String lake = "s3a://lake/fashion";
        List<?> imported = new FashionMnistImporter(conf).importAll(FashionMnistImporter.DEBIAN_SOURCE, lake, LIMIT);
        assertEquals(2, imported.size());
        FileSystem s3 = FileSystem.get(URI.create("s3a://lake/"), conf);
        assertTrue(s3.exists(new Path("s3a://lake/fashion/train/_SUCCESS")));

        String out = "s3a://lake/runs/train";
        JobConfig job = JobConfigLoader.load(Optional.empty(), List.of("data.train=" + lake + "/train",
                "data.heldOut=" + lake + "/test", "output.dir=" + out, "train.epochs=2", "train.workers=2",
                "train.batchSizePerWorker=16", "train.averagingFrequency=2", "train.checkpoint.everyRounds=2"));
        FaultInjector crash = (worker, epoch, round, attempt) -> {
            if (epoch == 1 && round == 2) {
                throw new IllegalStateException("injected crash");
            }
        };
        assertThrows(RuntimeException.class, () -> TrainJob.run(spark, job, false, crash));
        FileStatus[] checkpoints = s3.listStatus(new Path(out + "/checkpoints"));
        assertEquals(2, checkpoints.length, Arrays.toString(checkpoints));
        assertFalse(s3.exists(new Path(out + "/model")));

        TrainJob.Result trained = TrainJob.run(spark, job, false, true, FaultInjector.NONE);
        assertEquals(2L * LIMIT, trained.training().imagesSeen(), "two epochs of the 200 training images");
        assertTrue(trained.location().startsWith("s3a://lake/runs/train/model"), trained.location());
        for (String file : List.of("_SUCCESS", "model.zip", "model.json", "snapshot.tsv")) {
            assertTrue(s3.exists(new Path(out + "/model/" + file)), file + " on S3");
        }
        assertFalse(s3.exists(new Path(out + "/checkpoints")), "deleted once the model is written");

        SavedModel loaded = ModelStore.read(out + "/model", conf);
        assertEquals(trained.model().labels(), loaded.labels());
        Metrics again = EvaluateJob.run(spark, job, out + "/model");
        assertEquals(trained.finalMetrics().accuracy(), again.accuracy(), 0.0);
        assertEquals(trained.finalMetrics().loss(), again.loss(), 1e-9);
        assertEquals(LIMIT, again.count());
    }
}
