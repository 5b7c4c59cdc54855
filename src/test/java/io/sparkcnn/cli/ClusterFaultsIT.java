package io.sparkcnn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkcnn.spark.training.FaultInjector;
import io.sparkcnn.testing.Images;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What clusters do to long jobs, done to a real Spark standalone cluster (a master and two workers started
 * by scripts/local-cluster.sh) running jobs submitted in client deploy mode by scripts/submit.sh with the
 * shaded jar: an executor killed (SIGKILL) while it fits, the driver killed mid-epoch and the job resumed,
 * an executor that stops responding (SIGSTOP). Run by failsafe after {@code package}.
 */
class ClusterFaultsIT {
    @TempDir
    static Path tmp;
    private static String master;
    private static Path lake;
    private static Map<?, ?> undisturbed;

    @BeforeAll
    static void startCluster() throws Exception {
        lake = tmp.resolve("lake");
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 160; i++) {
                Images.writeNoisyPng(lake.resolve("class" + c + "/" + i + ".png"), 100 + 25 * c, 100, c * 1000L + i);
            }
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process p = cluster("start", port);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(3, TimeUnit.MINUTES) && p.exitValue() == 0, out);
        master = out.lines().filter(l -> l.startsWith("spark://")).findFirst().orElseThrow(() -> new AssertionError(out));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        Process p = cluster("stop", 0);
        p.getInputStream().transferTo(System.out);
        p.waitFor(2, TimeUnit.MINUTES);
    }

    private static Process cluster(String command, int port) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("bash", "scripts/local-cluster.sh", command).redirectErrorStream(true);
        pb.environment().put("LOCAL_CLUSTER_DIR", tmp.resolve("cluster").toString());
        pb.environment().put("LOCAL_CLUSTER_PORT", String.valueOf(port));
        return pb.start();
    }

    /**
     * 480 images of 3 classes at 56x56 (resized), 2 workers, 16 images per minibatch, K = 4: 3 rounds per epoch,
     * each fitting 64 images per worker, long enough to be caught mid-fit; a checkpoint every 2 rounds.
     */
    private static Process submit(Path log, String out, String... extra) throws IOException {
        return submit(Map.of(), log, out, extra);
    }

    private static Process submit(Map<String, String> env, Path log, String out, String... extra) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bash", "scripts/submit.sh", "--master", master,
                "--deploy-mode", "client", "--conf", "spark.ui.enabled=false", "--conf", "spark.executor.memory=1g",
                "--conf", "spark.driver.memory=1g", "--", "train", "--set", "data.train=" + lake,
                "--set", "data.heldOutFraction=0.2", "--set", "data.image.height=56", "--set", "data.image.width=56",
                "--set", "data.image.resize=resize", "--set", "train.epochs=3", "--set", "train.batchSizePerWorker=16",
                "--set", "train.averagingFrequency=4", "--set", "train.checkpoint.everyRounds=2",
                "--set", "output.dir=" + tmp.resolve(out)));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return pb.start();
    }

    private static int finish(Process p, Path log) throws Exception {
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("the job did not end within 5 minutes: " + Files.readString(log));
        }
        return p.exitValue();
    }

    private static Map<?, ?> modelInfo(String out) throws IOException {
        return new ObjectMapper().readValue(tmp.resolve(out + "/model/model.json").toFile(), Map.class);
    }

    private static long imagesSeen(Map<?, ?> info) {
        return ((Number) ((Map<?, ?>) info.get("training")).get("imagesSeen")).longValue();
    }

    private static double finalAccuracy(Map<?, ?> info) {
        List<?> epochs = (List<?>) info.get("epochs");
        return ((Number) ((Map<?, ?>) epochs.get(epochs.size() - 1)).get("accuracy")).doubleValue();
    }

    private static synchronized Map<?, ?> undisturbed() throws Exception {
        if (undisturbed == null) {
            Path log = tmp.resolve("undisturbed.log");
            assertEquals(0, finish(submit(log, "undisturbed"), log), () -> read(log));
            undisturbed = modelInfo("undisturbed");
        }
        return undisturbed;
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** An executor's log and process, found when its log shows {@code text}. */
    private record Executor(String id, String app, long pid) {
    }

    /** Waits until an executor of the cluster logs {@code text}, and returns it. */
    private static Executor executorLogging(String text, Process job, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            if (!job.isAlive()) {
                fail("the job ended before an executor logged \"" + text + "\": " + read(log));
            }
            List<Path> logs;
            try (Stream<Path> s = Files.find(tmp.resolve("cluster/work"), 4,
                    (p, a) -> p.getFileName().toString().equals("stderr"))) {
                logs = s.toList();
            }
            for (Path stderr : logs) {
                if (read(stderr).contains(text)) {
                    String id = stderr.getParent().getFileName().toString();
                    String app = stderr.getParent().getParent().getFileName().toString();
                    Optional<ProcessHandle> process = ProcessHandle.allProcesses().filter(h -> {
                        String args = String.join(" ", h.info().arguments().orElse(new String[0]));
                        return args.contains("CoarseGrainedExecutorBackend") && args.contains("--executor-id " + id + " ")
                                && args.contains("--app-id " + app + " ");
                    }).findFirst();
                    if (process.isPresent()) {
                        return new Executor(id, app, process.get().pid());
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no executor logged \"" + text + "\" within 3 minutes: " + read(log));
    }

    private static void signal(String signal, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).start().waitFor());
    }

    @Test
    void anExecutorKilledWhileItFitsIsReplacedAndTrainingEndsAsIfNothingHappened() throws Exception {
        Map<?, ?> reference = undisturbed();
        Path log = tmp.resolve("executor-lost.log");
        // A fault drill holds worker 0's first attempt at round 2 of epoch 2 after it fitted: the kill lands while
        // the task certainly runs, however loaded the machine (the retried attempt is not held).
        Process job = submit(Map.of(FaultInjector.HOLD_ENV, "2/2/120"), log, "executor-lost");
        Executor victim = executorLogging("fault drill: holding worker 0 after fitting round 2 of epoch 2", job, log);
        signal("KILL", victim.pid());
        assertEquals(0, finish(job, log), () -> read(log));

        String driverLog = read(log);
        assertTrue(driverLog.contains("executor " + victim.id() + " was lost"), driverLog);
        assertTrue(driverLog.contains("failed on executor " + victim.id()), "a task died with it: " + driverLog);
        Map<?, ?> info = modelInfo("executor-lost");
        assertEquals(imagesSeen(reference), imagesSeen(info));
        assertEquals(finalAccuracy(reference), finalAccuracy(info), 0.005);
        assertTrue(finalAccuracy(info) > 0.5, "the classes are learnable: " + finalAccuracy(info));
    }

    @Test
    void aDriverKilledMidEpochResumesFromItsCheckpointAndSeesEveryImageExactlyAsOften() throws Exception {
        Map<?, ?> reference = undisturbed();
        Path log = tmp.resolve("driver-lost.log");
        Process driver = submit(log, "driver-lost");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!read(log).contains("round 5/9 epoch 2")) { // epoch 2, after its checkpoint at round 4
            assertTrue(driver.isAlive() && System.nanoTime() < deadline, () -> read(log));
            Thread.sleep(20);
        }
        driver.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
        driver.waitFor();
        assertFalse(Files.exists(tmp.resolve("driver-lost/model")));
        assertTrue(Files.isDirectory(tmp.resolve("driver-lost/checkpoints/round-000000004")), read(log));

        Path resumedLog = tmp.resolve("driver-resumed.log");
        assertEquals(0, finish(submit(resumedLog, "driver-lost", "--resume"), resumedLog), () -> read(resumedLog));
        String resumed = read(resumedLog);
        assertTrue(resumed.contains("Resuming from checkpoint") && resumed.contains("round-000000004"), resumed);
        assertFalse(resumed.contains("round 1/9 "), "rounds before the checkpoint are not run again: " + resumed);
        Map<?, ?> info = modelInfo("driver-lost");
        long trainImages = ((Number) ((Map<?, ?>) info.get("data")).get("trainImages")).longValue();
        assertEquals(3 * trainImages, imagesSeen(info), "every training image once per epoch, 3 epochs");
        assertEquals(imagesSeen(reference), imagesSeen(info));
        assertEquals(finalAccuracy(reference), finalAccuracy(info), 0.005);
        assertFalse(Files.exists(tmp.resolve("driver-lost/checkpoints")), "a finished job deletes its checkpoints");
    }

    @Test
    void anExecutorThatStopsRespondingFailsTheJobAfterTheRoundTimeoutNamingIt() throws Exception {
        Path log = tmp.resolve("hang.log");
        Process job = submit(log, "hang", "--set", "train.roundTimeoutSeconds=10");
        Executor stuck = executorLogging("fitting round 2 of epoch 1", job, log);
        try {
            signal("STOP", stuck.pid());
            long start = System.nanoTime();
            assertNotEquals(0, finish(job, log), () -> read(log));
            double seconds = (System.nanoTime() - start) / 1e9;
            String out = read(log);
            assertTrue(seconds < 100, "the driver ended " + seconds + " s after the executor stopped, not within "
                    + "the round timeout and a prompt shutdown: " + out);
            assertTrue(out.contains("did not finish within train.roundTimeoutSeconds = 10 s"), out);
            assertTrue(out.contains("on executor " + stuck.id() + " at 127.0.0.1"), out);
            assertFalse(Files.exists(tmp.resolve("hang/model")));
        } finally {
            ProcessHandle.of(stuck.pid()).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
