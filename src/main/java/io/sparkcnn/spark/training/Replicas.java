package io.sparkcnn.spark.training;

import io.sparkcnn.model.Network;
import io.sparkcnn.model.NetworkSpec;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Network replicas kept in an executor JVM between rounds, keyed by job and worker, so a round does not
 * rebuild and re-allocate its network. A replica only saves allocation: every round loads the parameters
 * and updater state from the broadcast, so a stale or missing replica can never change the result. Borrow
 * and return: two attempts of one task (retry, speculation) never share a replica.
 */
public final class Replicas {
    private static final Map<String, Network> IDLE = new ConcurrentHashMap<>();

    private Replicas() {
    }

    public static Network borrow(String key, NetworkSpec spec) {
        Network net = IDLE.remove(key);
        return net != null ? net : spec.build();
    }

    public static void giveBack(String key, Network net) {
        IDLE.put(key, net);
    }

    /** Replicas held in this JVM, of every job. */
    static int heldInTotal() {
        return IDLE.size();
    }

    static int held(String jobId) {
        return (int) IDLE.keySet().stream().filter(k -> k.startsWith(jobId + "/")).count();
    }

    /** Drops a job's replicas from this JVM. */
    public static void release(String jobId) {
        IDLE.keySet().removeIf(k -> k.startsWith(jobId + "/"));
    }
}
