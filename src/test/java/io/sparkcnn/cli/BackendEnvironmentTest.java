package io.sparkcnn.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The driver's ND4J environment, as the launcher and submit scripts compute it from a command line. */
class BackendEnvironmentTest {
    private static final Map<String, String> CPU_FIRST = Map.of("BACKEND_PRIORITY_CPU", "100", "BACKEND_PRIORITY_GPU", "0");
    private static final Map<String, String> GPU_FIRST = Map.of("BACKEND_PRIORITY_CPU", "0", "BACKEND_PRIORITY_GPU", "100");

    @TempDir
    Path tmp;

    @Test
    void autoRanksCudaFirstOnlyWhereTheHostHasAGpu() {
        assertEquals(CPU_FIRST, BackendEnvironment.environment(List.of("train"), false));
        assertEquals(GPU_FIRST, BackendEnvironment.environment(List.of("train"), true));
    }

    @Test
    void cpuNeverProbesCudaAndGpuAlwaysTriesIt() {
        assertEquals(CPU_FIRST, BackendEnvironment.environment(List.of("train", "--set", "compute.backend=cpu"), true));
        assertEquals(GPU_FIRST, BackendEnvironment.environment(List.of("train", "--set=compute.backend=gpu"), false));
    }

    @Test
    void theJobFileIsReadAndSetWinsOverIt() throws IOException {
        Path conf = Files.writeString(tmp.resolve("job.conf"), "compute.backend = cpu\n");
        assertEquals(CPU_FIRST, BackendEnvironment.environment(List.of("train", "--conf", conf.toString()), true));
        assertEquals(GPU_FIRST, BackendEnvironment.environment(List.of("train", "--conf=" + conf,
                "--set", "compute.backend=gpu"), false));
    }

    @Test
    void aConfigThatDoesNotLoadGivesNothingAndLeavesTheErrorToTheCommand() {
        assertEquals(Map.of(), BackendEnvironment.environment(List.of("train", "--set", "compute.backend=tpu"), true));
        assertEquals(Map.of(), BackendEnvironment.environment(List.of("train", "--conf", tmp.resolve("missing.conf")
                .toString()), true));
    }
}
