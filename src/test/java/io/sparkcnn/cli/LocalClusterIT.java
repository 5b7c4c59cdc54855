package io.sparkcnn.cli;

import io.sparkcnn.testing.Images;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * spark-submit against a real Spark standalone cluster (a master and two workers started by
 * scripts/local-cluster.sh from the build's Spark jars), in client and in cluster deploy mode, with the
 * shaded jar (run by failsafe after {@code package}).
 */
class LocalClusterIT {
    @TempDir
    Path tmp;

    private record Run(int exit, String output) {
    }

    private Run localCluster(String... sparkCnnArgs) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of("bash", "scripts/local-cluster.sh", "run", "--"));
        cmd.addAll(List.of(sparkCnnArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("LOCAL_CLUSTER_DIR", tmp.resolve("cluster").toString());
        pb.environment().put("LOCAL_CLUSTER_PORT", String.valueOf(port));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), out);
        return new Run(p.exitValue(), out);
    }

    private Path lake() {
        return Images.lake(tmp.resolve("lake"), 3, 8);
    }

    /** Java processes whose command line names this test's cluster folder (master, workers, executors). */
    private long clusterProcesses() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("pgrep", "-f", tmp.resolve("cluster").toString()).start();
        String pids = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        return pids.isEmpty() ? 0 : pids.lines().count();
    }

    @Test
    void trainsInClientAndClusterDeployModeOnAStandaloneClusterAndStopsWhatItStarted() throws Exception {
        Path out = tmp.resolve("out");
        Run r = localCluster("train", "--set", "data.train=" + lake(), "--set", "data.heldOutFraction=0.25",
                "--set", "train.epochs=1", "--set", "train.batchSizePerWorker=4", "--set", "output.dir=" + out,
                "--overwrite");
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("submitting in client deploy mode"), r.output());
        assertTrue(r.output().contains("submitting in cluster deploy mode"), r.output());
        assertTrue(r.output().contains("Model: file:" + out.resolve("model")), "client mode prints to us: " + r.output());
        assertTrue(Files.exists(out.resolve("model/_SUCCESS")));
        String info = Files.readString(out.resolve("model/model.json"));
        assertFalse(info.contains("\"executor\" : \"driver\""), "the workers ran on executors: " + info);
        String workerLogs = Files.readString(tmp.resolve("cluster/logs/worker-1.log"))
                + Files.readString(tmp.resolve("cluster/logs/worker-2.log"));
        assertTrue(workerLogs.contains("exited successfully"), "a worker ran the cluster-mode driver");
        assertEquals(0, clusterProcesses(), "master, workers and executors are gone");
        assertFalse(Files.exists(tmp.resolve("cluster/pids")));
    }

    @Test
    void aFailedDriverFailsTheRunInBothModes() throws Exception {
        Run r = localCluster("train", "--set", "data.train=" + tmp.resolve("no-such-lake"),
                "--set", "output.dir=" + tmp.resolve("out"));
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("the client-mode job failed"), r.output());
        assertTrue(r.output().contains("the cluster-mode driver failed"), r.output());
        assertEquals(0, clusterProcesses());
    }
}
