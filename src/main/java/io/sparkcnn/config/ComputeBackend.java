package io.sparkcnn.config;

import java.util.Map;

/**
 * Which ND4J backend trains (see {@code compute.backend}). ND4J picks its backend once per JVM, when it
 * first loads, by the priorities in the environment variables {@code BACKEND_PRIORITY_CPU} and
 * {@code BACKEND_PRIORITY_GPU} (no system property does in 1.0.0-M2.1), so the choice is made where each
 * JVM starts: {@code spark.executorEnv.*} for executors, the launcher and submit scripts for the driver.
 */
public enum ComputeBackend {
    AUTO, CPU, GPU;

    public static final String CPU_PRIORITY = "BACKEND_PRIORITY_CPU";
    public static final String GPU_PRIORITY = "BACKEND_PRIORITY_GPU";

    public static ComputeBackend fromConfig(String value) {
        return ConfigName.parse(Settings.COMPUTE_BACKEND, value, ComputeBackend.class);
    }

    public String configName() {
        return ConfigName.of(this);
    }

    /**
     * The environment that makes ND4J load the wanted backend. cpu ranks the CPU backend first, so ND4J
     * never probes CUDA; gpu ranks CUDA first (ND4J falls back to CPU when CUDA cannot start, which the job
     * then refuses); auto ranks CUDA first only where a GPU device is present ({@code gpuDevicePresent}),
     * so a GPU-less host never pays for, or prints, a failed CUDA probe.
     */
    public Map<String, String> nd4jEnvironment(boolean gpuDevicePresent) {
        boolean gpuFirst = this == GPU || this == AUTO && gpuDevicePresent;
        return gpuFirst ? Map.of(CPU_PRIORITY, "0", GPU_PRIORITY, "100") : Map.of(CPU_PRIORITY, "100", GPU_PRIORITY, "0");
    }
}
