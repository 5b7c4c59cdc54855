package io.sparkcnn.spark.gpu;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.model.Provenance;
import io.sparkcnn.spark.SparkSessions;
import io.sparkcnn.spark.job.TrainJob;
import io.sparkcnn.spark.training.FaultInjector;
import io.sparkcnn.testing.Images;
import io.sparkcnn.testing.Java17Flags;
import io.sparkcnn.testing.LocalClusterHome;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spark 3 GPU scheduling on a GPU-less machine: Spark's local-cluster mode (a master, workers and executor
 * JVMs started by this test) with a fake discovery script giving each worker GPUs "0" and "1". Proves that
 * every task is handed a GPU address and binds to exactly that one (a logged no-op on the CPU backend, recorded
 * as the worker's device), that the workers on one executor hold different GPUs, and that the number of
 * training workers follows the GPU slots. Runs in failsafe's JVM, which has no other SparkContext.
 */
class GpuSchedulingIT {
    @TempDir
    Path tmp;

    private Path lake() {
        return Images.lake(tmp.resolve("lake"), 3, 16);
    }

    /** A job on local-cluster[2 workers, 2 cores, 1.5 GB] whose workers each have 2 (fake) GPUs. */
    private JobConfig job(Path lake, String out, double gpusPerTask) throws IOException {
        Path script = tmp.resolve("gpus.sh");
        Files.writeString(script, "#!/usr/bin/env bash\necho '{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\"]}'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        String classpath = LocalClusterHome.prepare(tmp.resolve("spark-home"));
        String flags = String.join(" ", Java17Flags.read());
        Map<String, String> conf = new TreeMap<>(Map.of(
                "spark.worker.resource.gpu.amount", "2",
                "spark.worker.resource.gpu.discoveryScript", script.toString(),
                "spark.executor.resource.gpu.amount", "2",
                "spark.task.resource.gpu.amount", String.valueOf(gpusPerTask),
                "spark.executor.extraClassPath", classpath,
                "spark.executor.extraJavaOptions", flags,
                "spark.executor.memory", "1g",
                "spark.driver.host", "127.0.0.1",
                "spark.ui.enabled", "false"));
        StringBuilder file = new StringBuilder("spark.master = \"local-cluster[2,2,1536]\"\nspark.conf {\n");
        conf.forEach((k, v) -> file.append("  \"").append(k).append("\" = \"").append(v).append("\"\n"));
        file.append("}\n");
        Path jobFile = Files.writeString(tmp.resolve(out + ".conf"), file);
        return JobConfigLoader.load(Optional.of(jobFile), List.of("data.train=" + lake, "data.heldOutFraction=0.25",
                "output.dir=" + tmp.resolve(out), "train.epochs=1", "train.batchSizePerWorker=4"));
    }

    private static List<Map<String, Object>> workers(TrainJob.Result r) {
        return Provenance.asJson(r.model().provenance().workers());
    }

    private TrainJob.Result train(JobConfig job) throws IOException {
        try (SparkSession spark = SparkSessions.create(job)) {
            return TrainJob.run(spark, job, false, FaultInjector.NONE);
        }
    }

    @Test
    void tasksBindToTheGpuSparkGaveThemAndWorkersFollowTheGpuSlots() throws IOException {
        Path lake = lake();

        TrainJob.Result oneGpuEach = train(job(lake, "one-gpu-each", 1));
        List<Map<String, Object>> workers = workers(oneGpuEach);
        assertEquals(4, workers.size(), "2 executors x 2 GPUs, one per task: " + workers);
        Map<Object, Set<Object>> devicesByExecutor = new TreeMap<>();
        for (Map<String, Object> w : workers) {
            assertTrue(Set.of("cpu (spark gpu 0)", "cpu (spark gpu 1)").contains(w.get("device")),
                    "bound to a GPU Spark assigned, a no-op on the CPU backend: " + w);
            assertTrue(!"driver".equals(w.get("executor")), "ran on an executor: " + w);
            devicesByExecutor.computeIfAbsent(w.get("executor"), e -> new TreeSet<>()).add(w.get("device"));
        }
        for (Map.Entry<Object, Set<Object>> e : devicesByExecutor.entrySet()) {
            assertEquals(2, e.getValue().size(), "executor " + e.getKey() + "'s two workers hold different GPUs: "
                    + workers);
        }
        assertEquals(List.of("CpuBackend/cpu (spark gpu 0)", "CpuBackend/cpu (spark gpu 1)"),
                oneGpuEach.model().provenance().backend().workers());

        TrainJob.Result twoGpusEach = train(job(lake, "two-gpus-each", 2));
        assertEquals(2, workers(twoGpusEach).size(), "one task per executor fits its 2 GPUs, though each has 2 cores");
    }
}
