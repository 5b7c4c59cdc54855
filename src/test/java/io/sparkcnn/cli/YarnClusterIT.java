package io.sparkcnn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkcnn.spark.training.FaultInjector;
import io.sparkcnn.testing.Images;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * spark-cnn on YARN: Hadoop's MiniYARNCluster (a ResourceManager and a NodeManager in this JVM, every container a
 * process of its own, as Spark's own YARN suite runs it) beside a MiniDFSCluster. Jobs are submitted as a user
 * submits them, by scripts/submit.sh --master yarn with the shaded jar and HADOOP_CONF_DIR naming the cluster, in
 * client and cluster deploy mode; they read their lake from HDFS and write the model there. An executor's container
 * is killed (SIGKILL) while it fits. Run by failsafe after {@code package}.
 */
class YarnClusterIT {
    @TempDir
    static Path tmp;
    private static MiniDFSCluster hdfs;
    private static MiniYARNCluster yarn;
    private static FileSystem fs;
    private static Path hadoopConf;
    private static String lake;

    @BeforeAll
    static void startClusters() throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("dfs").toString());
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        fs = hdfs.getFileSystem();

        YarnConfiguration yc = new YarnConfiguration(hdfs.getConfiguration(0));
        yc.set("yarn.resourcemanager.hostname", "127.0.0.1");
        yc.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
        yc.setInt("yarn.nodemanager.resource.memory-mb", 8192);
        yc.setInt("yarn.nodemanager.resource.cpu-vcores", 4);
        yc.setInt("yarn.scheduler.minimum-allocation-mb", 256);
        yc.setBoolean("yarn.nodemanager.vmem-check-enabled", false);
        yc.setBoolean("yarn.nodemanager.pmem-check-enabled", false);
        // Keep the containers' logs after their application ends (the cluster-mode driver's output is there).
        yc.setInt("yarn.nodemanager.delete.debug-delay-sec", 600);
        // hadoop-client-minicluster has no capacity-scheduler.xml: one queue, all of the cluster.
        yc.set("yarn.scheduler.capacity.root.queues", "default");
        yc.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
        yc.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
        yc.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
        yc.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
        yc.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
        yc.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
        yc.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
        yarn = new MiniYARNCluster("yarn-it", 1, 1, 1);
        yarn.init(yc);
        yarn.start();
        // The ResourceManager's port is written into the configuration a little after start() returns.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (yarn.getConfig().get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
            assertTrue(System.nanoTime() < deadline, "the ResourceManager did not publish its address");
            Thread.sleep(100);
        }
        // What a user's HADOOP_CONF_DIR holds: where the ResourceManager and the default FileSystem are.
        // Only the addresses: the mini clusters' own configuration names test classes (StaticMapping) that a
        // client does not have.
        Configuration site = new Configuration(false);
        for (String key : List.of("fs.defaultFS", YarnConfiguration.RM_ADDRESS, YarnConfiguration.RM_SCHEDULER_ADDRESS,
                YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS, YarnConfiguration.RM_ADMIN_ADDRESS,
                YarnConfiguration.RM_WEBAPP_ADDRESS, YarnConfiguration.RM_HOSTNAME)) {
            site.set(key, yarn.getConfig().get(key));
        }
        hadoopConf = Files.createDirectories(tmp.resolve("hadoop-conf"));
        for (String file : List.of("core-site.xml", "yarn-site.xml")) {
            try (OutputStream out = Files.newOutputStream(hadoopConf.resolve(file))) {
                site.writeXml(out);
            }
        }
        Path local = tmp.resolve("lake");
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 160; i++) {
                Images.writeNoisyPng(local.resolve("class" + c + "/" + i + ".png"), 100 + 25 * c, 100, c * 1000L + i);
            }
        }
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()), new org.apache.hadoop.fs.Path("/lake"));
        lake = fs.getUri() + "/lake";
    }

    @AfterAll
    static void stopClusters() {
        if (yarn != null) {
            yarn.stop();
        }
        if (hdfs != null) {
            hdfs.shutdown(true);
        }
    }

    /**
     * 480 images of 3 classes at 56x56, 2 executors of one core, 3 epochs of 16 images per minibatch, K = 4: 3
     * rounds per epoch. The containers' Java is this JVM's (a JDK 17); Spark's jars are the ones the build resolved, at
     * the same path on the one NodeManager.
     */
    private static Process submit(String deployMode, Map<String, String> env, Path log, String out)
            throws IOException {
        String java = System.getProperty("java.home");
        Path sparkJars = Path.of(System.getProperty("build.dir", "target")).toAbsolutePath().resolve("spark-home/jars");
        List<String> cmd = new ArrayList<>(List.of("bash", "scripts/submit.sh", "--master", "yarn",
                "--deploy-mode", deployMode, "--num-executors", "2", "--executor-cores", "1",
                "--executor-memory", "1g", "--driver-memory", "1g",
                "--conf", "spark.yarn.am.memory=512m",
                "--conf", "spark.yarn.jars=local:" + sparkJars + "/*",
                "--conf", "spark.yarn.appMasterEnv.JAVA_HOME=" + java,
                "--conf", "spark.executorEnv.JAVA_HOME=" + java,
                "--conf", "spark.ui.enabled=false",
                "--", "train", "--set", "data.train=" + lake,
                "--set", "data.heldOutFraction=0.2", "--set", "data.image.height=56", "--set", "data.image.width=56",
                "--set", "data.image.resize=resize", "--set", "train.epochs=3", "--set", "train.batchSizePerWorker=16",
                "--set", "train.averagingFrequency=4", "--set", "output.dir=" + fs.getUri() + "/out/" + out));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("HADOOP_CONF_DIR", hadoopConf.toString());
        pb.environment().put("YARN_CONF_DIR", hadoopConf.toString());
        pb.environment().remove("SPARK_HOME");
        pb.environment().putAll(env);
        return pb.start();
    }

    private static int finish(Process p, Path log) throws Exception {
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("the job did not end within 5 minutes: " + read(log));
        }
        return p.exitValue();
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static Map<?, ?> modelInfo(String out) throws IOException {
        try (var in = fs.open(new org.apache.hadoop.fs.Path("/out/" + out + "/model/model.json"))) {
            return new ObjectMapper().readValue((java.io.InputStream) in, Map.class);
        }
    }

    private static double finalAccuracy(Map<?, ?> info) {
        List<?> epochs = (List<?>) info.get("epochs");
        assertEquals(3, epochs.size(), "every epoch ran: " + info);
        return ((Number) ((Map<?, ?>) epochs.get(epochs.size() - 1)).get("accuracy")).doubleValue();
    }

    /** The containers' stdout and stderr files the NodeManager keeps, under its log folders. */
    private static List<Path> containerLogs() throws IOException {
        List<Path> logs = new ArrayList<>();
        for (String dir : yarn.getNodeManager(0).getConfig().getTrimmedStrings(YarnConfiguration.NM_LOG_DIRS)) {
            Path root = Path.of(dir.replaceFirst("^file:", ""));
            if (Files.isDirectory(root)) {
                try (Stream<Path> s = Files.find(root, 4, (p, a) -> List.of("stdout", "stderr")
                        .contains(p.getFileName().toString()))) {
                    logs.addAll(s.toList());
                }
            }
        }
        return logs;
    }

    @Test
    void trainsInClientModeAndSurvivesAKilledExecutorContainer() throws Exception {
        Path log = tmp.resolve("client.log");
        // A fault drill holds worker 0's first attempt at round 2 of epoch 2 after it fitted: the kill lands while
        // the task certainly runs, however loaded the machine (the retried attempt is not held).
        Process job = submit("client", Map.of(FaultInjector.HOLD_ENV, "2/2/120"), log, "client");
        String container;
        try {
            container = killTheHeldExecutor(job, log);
            assertEquals(0, finish(job, log), () -> read(log));
        } finally {
            job.destroyForcibly();
        }
        String driver = read(log);
        assertTrue(driver.contains("was lost"), "the driver saw the loss of " + container + ": " + driver);
        assertTrue(driver.contains("Model: " + fs.getUri() + "/out/client/model"), driver);
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path("/out/client/model/_SUCCESS")));
        Map<?, ?> info = modelInfo("client");
        assertTrue(finalAccuracy(info) > 0.5, "the classes are learnable: " + info.get("epochs"));
    }

    /** Waits for the fault drill's hold in an executor container's log, kills that executor; its container id. */
    private static String killTheHeldExecutor(Process job, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (true) {
            assertTrue(job.isAlive(), () -> "the job ended before an executor held: " + read(log));
            assertTrue(System.nanoTime() < deadline, () -> "no executor held within 4 minutes: " + read(log));
            for (Path output : containerLogs()) {
                if (read(output).contains("fault drill: holding worker 0 after fitting round 2 of epoch 2")) {
                    String id = output.getParent().getFileName().toString();
                    Optional<ProcessHandle> process = ProcessHandle.allProcesses().filter(h -> {
                        String args = String.join(" ", h.info().arguments().orElse(new String[0]));
                        return args.contains("YarnCoarseGrainedExecutorBackend") && args.contains(id);
                    }).findFirst();
                    if (process.isPresent()) {
                        assertEquals(0, new ProcessBuilder("kill", "-KILL", String.valueOf(process.get().pid()))
                                .start().waitFor());
                        return id;
                    }
                }
            }
            Thread.sleep(50);
        }
    }

    @Test
    void trainsInClusterModeWithTheDriverInTheApplicationMaster() throws Exception {
        Path log = tmp.resolve("cluster.log");
        Process job = submit("cluster", Map.of(), log, "cluster");
        try {
            assertEquals(0, finish(job, log), () -> read(log));
        } finally {
            job.destroyForcibly();
        }
        String out = read(log);
        assertTrue(out.contains("final status: SUCCEEDED"), "YARN reports the application succeeded: " + out);
        assertTrue(fs.exists(new org.apache.hadoop.fs.Path("/out/cluster/model/_SUCCESS")));
        assertTrue(finalAccuracy(modelInfo("cluster")) > 0.5);
        // The driver's own output is in the application master's container log, not ours.
        assertTrue(containerLogs().stream().map(YarnClusterIT::read)
                .anyMatch(s -> s.contains("Model: " + fs.getUri() + "/out/cluster/model")), out);
    }
}
