package io.sparkcnn.spark;

import io.sparkcnn.config.ComputeBackend;
import io.sparkcnn.config.SparkConfig;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparkSessionsTest {
    @Test
    void threadsPerWorkerBecomeTaskCpusAndTheExecutorsOpenMpTeam() {
        SparkConf conf = SparkSessions.sparkConf(new SparkConfig("local[4]", "t", Map.of()), 2,
                ComputeBackend.AUTO);
        assertEquals("2", conf.get("spark.task.cpus"));
        assertEquals("2", conf.get("spark.executorEnv.OMP_NUM_THREADS"));
        assertEquals("local[4]", conf.get("spark.master"));
        assertEquals("false", conf.get("spark.cleaner.referenceTracking.blocking"),
                "a stuck executor must not hold up the cleaner and with it the driver's exit");
    }

    @Test
    void computeBackendReachesTheExecutorsEnvironment() {
        SparkConf cpu = SparkSessions.sparkConf(new SparkConfig("", "t", Map.of()), 1, ComputeBackend.CPU);
        assertEquals("100", cpu.get("spark.executorEnv.BACKEND_PRIORITY_CPU"));
        assertEquals("0", cpu.get("spark.executorEnv.BACKEND_PRIORITY_GPU"));
        for (ComputeBackend gpuFirst : new ComputeBackend[] {ComputeBackend.GPU, ComputeBackend.AUTO}) {
            SparkConf c = SparkSessions.sparkConf(new SparkConfig("", "t", Map.of()), 1, gpuFirst);
            assertEquals("0", c.get("spark.executorEnv.BACKEND_PRIORITY_CPU"), gpuFirst.configName());
            assertEquals("100", c.get("spark.executorEnv.BACKEND_PRIORITY_GPU"), gpuFirst.configName());
        }
    }

    @Test
    void executorsOffHeapMemoryIsCappedByTheirOverheadUnlessTheJobSetsIt() {
        SparkConf cluster = SparkSessions.sparkConf(new SparkConfig("spark://m:7077", "t",
                Map.of("spark.executor.memory", "4g", "spark.executor.extraJavaOptions", "-Dx=1")), 1, ComputeBackend.CPU);
        long overhead = (long) (4L * 1024 * 1024 * 1024 * 0.1);
        assertEquals("-Dx=1 -Dorg.bytedeco.javacpp.maxbytes=" + overhead * 3 / 4
                        + " -Dorg.bytedeco.javacpp.maxphysicalbytes=" + ((4L << 30) + overhead * 9 / 10),
                cluster.get("spark.executor.extraJavaOptions"));
        SparkConf small = SparkSessions.sparkConf(new SparkConfig("yarn", "t",
                Map.of("spark.executor.memoryOverhead", "2g")), 1, ComputeBackend.CPU);
        assertTrue(small.get("spark.executor.extraJavaOptions").contains("maxbytes=" + (2L << 30) * 3 / 4),
                "an explicit overhead, 1g heap by default");
        SparkConf own = SparkSessions.sparkConf(new SparkConfig("yarn", "t",
                Map.of("spark.executor.extraJavaOptions", "-Dorg.bytedeco.javacpp.maxbytes=8g")), 1, ComputeBackend.CPU);
        assertEquals("-Dorg.bytedeco.javacpp.maxbytes=8g", own.get("spark.executor.extraJavaOptions"));
        SparkConf local = SparkSessions.sparkConf(new SparkConfig("local[2]", "t", Map.of()), 1, ComputeBackend.CPU);
        assertFalse(local.contains("spark.executor.extraJavaOptions"), "no executors in local mode");
    }

    @Test
    void executorsArePreparedByThePluginBesideTheJobsOwnPlugins() {
        SparkConf plain = SparkSessions.sparkConf(new SparkConfig("local[2]", "t", Map.of()), 1, ComputeBackend.AUTO);
        assertEquals(ExecutorSetup.class.getName(), plain.get("spark.plugins"));
        SparkConf own = SparkSessions.sparkConf(new SparkConfig("local[2]", "t",
                Map.of("spark.plugins", "com.example.Metrics")), 1, ComputeBackend.AUTO);
        assertEquals("com.example.Metrics," + ExecutorSetup.class.getName(), own.get("spark.plugins"));
        SparkConf again = SparkSessions.sparkConf(new SparkConfig("local[2]", "t",
                Map.of("spark.plugins", ExecutorSetup.class.getName())), 1, ComputeBackend.AUTO);
        assertEquals(ExecutorSetup.class.getName(), again.get("spark.plugins"));
    }

    @Test
    void theJobsOwnSparkSettingsWin() {
        SparkConf conf = SparkSessions.sparkConf(new SparkConfig("local[4]", "t",
                Map.of("spark.executorEnv.OMP_NUM_THREADS", "3", "spark.task.cpus", "3")), 1, ComputeBackend.AUTO);
        assertEquals("3", conf.get("spark.task.cpus"));
        assertEquals("3", conf.get("spark.executorEnv.OMP_NUM_THREADS"));
        assertEquals("local[2]", SparkSessions.sparkConf(new SparkConfig("", "t", Map.of()), 1, ComputeBackend.AUTO)
                .get("spark.master"), "local[2] when nothing names a master");
    }

    @Test
    void aTaskNeedingMoreCoresThanTheLocalMasterHasIsRefusedNamingTheKeyThatAskedForThem() {
        io.sparkcnn.config.ConfigException own = org.junit.jupiter.api.Assertions.assertThrows(
                io.sparkcnn.config.ConfigException.class, () -> SparkSessions.sparkConf(new SparkConfig("", "t",
                        Map.of("spark.task.cpus", "3")), 1, ComputeBackend.AUTO));
        assertEquals("spark.task.cpus", own.key());
        io.sparkcnn.config.ConfigException threads = org.junit.jupiter.api.Assertions.assertThrows(
                io.sparkcnn.config.ConfigException.class, () -> SparkSessions.sparkConf(new SparkConfig("local[*]",
                        "t", Map.of()), Runtime.getRuntime().availableProcessors() + 1, ComputeBackend.AUTO));
        assertEquals("train.threadsPerWorker", threads.key());
        assertEquals("2", SparkSessions.sparkConf(new SparkConfig("local[2,3]", "t", Map.of()), 2, ComputeBackend.AUTO)
                .get("spark.task.cpus"), "as many as it has is fine");
    }
}
