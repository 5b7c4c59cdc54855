package io.sparkcnn.spark;

import io.sparkcnn.config.ComputeBackend;
import io.sparkcnn.config.SparkConfig;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
    void theJobsOwnSparkSettingsWin() {
        SparkConf conf = SparkSessions.sparkConf(new SparkConfig("", "t",
                Map.of("spark.executorEnv.OMP_NUM_THREADS", "3", "spark.task.cpus", "3")), 1, ComputeBackend.AUTO);
        assertEquals("3", conf.get("spark.task.cpus"));
        assertEquals("3", conf.get("spark.executorEnv.OMP_NUM_THREADS"));
        assertEquals("local[2]", conf.get("spark.master"), "local[2] when nothing names a master");
    }
}
