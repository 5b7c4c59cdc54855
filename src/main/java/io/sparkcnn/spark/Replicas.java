package io.sparkcnn.spark;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Network replicas kept in an executor JVM between rounds, keyed by job and worker, so a round does not
 * rebuild and re-allocate its network. A replica only saves allocation: every round loads the merged
 * parameters (and updater state) from the broadcast, so a stale or missing replica can never change the
 * result. Borrow and return: two attempts of one task (retry, speculation) never share a replica.
 */
final class Replicas {
    private static final Map<String, MultiLayerNetwork> IDLE = new ConcurrentHashMap<>();

    private Replicas() {
    }

    static MultiLayerNetwork borrow(String key, String configJson) {
        MultiLayerNetwork net = IDLE.remove(key);
        if (net == null) {
            net = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(configJson));
            net.init();
        }
        return net;
    }

    static void giveBack(String key, MultiLayerNetwork net) {
        IDLE.put(key, net);
    }

    /** Drops a job's replicas from this JVM. */
    static void release(String jobId) {
        IDLE.keySet().removeIf(k -> k.startsWith(jobId + "/"));
    }
}
