package io.sparkcnn.train;

import io.sparkcnn.config.ComputeBackend;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Holds each JVM to {@code compute.backend}: checks which backend ND4J loaded against what was asked, fails
 * fast where a GPU was required and none can be used, and says once, in one line, when auto falls back
 * to the CPU.
 */
public final class Backends {
    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);
    private static final String CUDA_BACKEND = "org.nd4j.linalg.jcublas.JCublasBackend";
    private static final AtomicBoolean SAID = new AtomicBoolean();

    private Backends() {
    }

    /** {@code compute.backend} cannot be honoured in this JVM. */
    public static final class BackendUnavailableException extends IllegalStateException {
        BackendUnavailableException(String message) {
            super(message);
        }
    }

    /** Whether this host shows an NVIDIA GPU device (the driver's device files). */
    public static boolean gpuDevicePresent() {
        return new File("/dev/nvidiactl").exists() || new File("/dev/nvidia0").exists();
    }

    /** Whether ND4J in this JVM runs on CUDA. */
    public static boolean onGpu() {
        return Nd4j.getBackend().getClass().getName().equals(CUDA_BACKEND);
    }

    /**
     * Checks the backend ND4J loaded in this JVM against {@code wanted} and returns its name; throws
     * {@link BackendUnavailableException} naming the host and the reason when they cannot agree.
     */
    public static String require(ComputeBackend wanted) {
        String loaded = Nd4j.getBackend().getClass().getSimpleName();
        boolean gpu = onGpu();
        if (wanted == ComputeBackend.GPU && !gpu) {
            throw new BackendUnavailableException("compute.backend = gpu, but ND4J on " + host() + " runs on "
                    + loaded + ": " + whyNoGpu() + ". Use compute.backend = auto or cpu to train on CPUs.");
        }
        if (wanted == ComputeBackend.CPU && gpu) {
            throw new BackendUnavailableException("compute.backend = cpu, but ND4J on " + host() + " loaded the CUDA "
                    + "backend: this JVM was started without " + ComputeBackend.CPU_PRIORITY + "=100 "
                    + ComputeBackend.GPU_PRIORITY + "=0 in its environment (scripts/spark-cnn and scripts/submit.sh "
                    + "set them for the driver, spark.executorEnv for executors)");
        }
        if (wanted == ComputeBackend.AUTO && !gpu && SAID.compareAndSet(false, true)) {
            LOG.info("compute.backend = auto: training on the CPU on {} ({})", host(), whyNoGpu());
        }
        return loaded;
    }

    /** Why this JVM has no CUDA backend, as far as can be told without probing again. */
    static String whyNoGpu() {
        boolean cudaBuild;
        try {
            Class.forName(CUDA_BACKEND, false, Backends.class.getClassLoader());
            cudaBuild = true;
        } catch (ClassNotFoundException e) {
            cudaBuild = false;
        }
        if (!cudaBuild) {
            return "this build has no CUDA backend: build the jar with mvn -Pcuda";
        }
        if (!gpuDevicePresent()) {
            return "no NVIDIA GPU device on this host: no /dev/nvidiactl";
        }
        String env = System.getenv(ComputeBackend.GPU_PRIORITY);
        if (env != null && !env.isEmpty() && Integer.parseInt(env) <= intEnv(ComputeBackend.CPU_PRIORITY)) {
            return "the JVM started with " + ComputeBackend.GPU_PRIORITY + "=" + env + ", which ranks the CPU backend first";
        }
        return "the CUDA backend could not start (CUDA 11.6 libraries or the GPU driver missing; ND4J logged why)";
    }

    private static int intEnv(String name) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? 0 : Integer.parseInt(v);
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "this host";
        }
    }
}
