package io.sparkcnn.train;

import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Binds a task to the GPU Spark gave it ({@code TaskContext.resources()}), before the task creates any array,
 * so two tasks of one executor never share a device by accident and a task never lands on a device Spark did
 * not give it. Spark's addresses are what the discovery script reported; CUDA numbers the devices a process
 * can see from 0, in the order of {@code CUDA_VISIBLE_DEVICES} when the cluster manager set it.
 */
public final class GpuBinding {
    private static final Logger LOG = LoggerFactory.getLogger(GpuBinding.class);
    private static final AtomicBoolean SAID = new AtomicBoolean();

    private GpuBinding() {
    }

    /**
     * The CUDA device ordinal of Spark's GPU {@code address} in a process whose {@code CUDA_VISIBLE_DEVICES}
     * is {@code visible} (null or blank: unset). Unset: the address is the ordinal. Set: the address's position
     * in the list (the manager isolated the devices and CUDA renumbers them), or, when the address is not in
     * the list but is a number below its length, the address itself (a discovery script inside the isolation
     * already reports ordinals). Anything else is a device this process cannot see: an error.
     */
    public static int ordinal(String address, String visible) {
        String a = address.trim();
        if (visible == null || visible.isBlank()) {
            return number(a, visible);
        }
        List<String> devices = Arrays.stream(visible.split(",")).map(String::trim).toList();
        int position = devices.indexOf(a);
        if (position >= 0) {
            return position;
        }
        int n = number(a, visible);
        if (n < devices.size()) {
            return n;
        }
        throw new IllegalArgumentException("Spark gave this task GPU " + a + ", which this process cannot see: "
                + "CUDA_VISIBLE_DEVICES=" + visible + " (check the GPU discovery script against the cluster "
                + "manager's device isolation)");
    }

    private static int number(String address, String visible) {
        try {
            int n = Integer.parseInt(address);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException("Spark gave this task GPU address \"" + address + "\", which is not a "
                + "CUDA device number" + (visible == null || visible.isBlank() ? "" : " nor in CUDA_VISIBLE_DEVICES="
                + visible) + " (check the GPU discovery script)");
    }

    /**
     * Binds the calling thread to the first of {@code addresses} (none: nothing to bind) and returns the device
     * the task runs on, as recorded in the model's provenance. On the CPU backend this only says, once per
     * JVM, that the address goes unused.
     */
    public static String bind(List<String> addresses) {
        if (addresses.isEmpty()) {
            return Backends.onGpu() ? "cuda:" + Nd4j.getAffinityManager().getDeviceForCurrentThread() : "cpu";
        }
        String address = addresses.get(0);
        int ordinal = ordinal(address, System.getenv("CUDA_VISIBLE_DEVICES"));
        if (!Backends.onGpu()) {
            if (SAID.compareAndSet(false, true)) {
                LOG.info("Spark assigned GPU {} (CUDA device {}) to a task, but ND4J runs on the CPU here: nothing to "
                        + "bind", address, ordinal);
            }
            return "cpu (spark gpu " + address + ")";
        }
        Nd4j.getAffinityManager().unsafeSetDevice(ordinal);
        return "cuda:" + ordinal + " (spark gpu " + address + ")";
    }
}
