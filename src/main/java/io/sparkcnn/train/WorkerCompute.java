package io.sparkcnn.train;

import io.sparkcnn.config.ComputeBackend;

import java.io.Serializable;
import java.util.List;

/**
 * What a training or evaluation task sets up before it creates any array: the backend it must run on
 * ({@code compute.backend}), the GPU Spark gave it, and the threads it may use ({@code train.threadsPerWorker}).
 */
public record WorkerCompute(int threads, ComputeBackend backend) implements Serializable {
    /**
     * Checks the backend, binds the thread to the first of the task's GPU addresses (if any) and sets the
     * threads; returns the device the task runs on.
     */
    public String prepare(List<String> gpuAddresses) {
        Backends.require(backend);
        String device = GpuBinding.bind(gpuAddresses);
        ComputeThreads.use(threads);
        return device;
    }
}
