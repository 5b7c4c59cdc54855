package io.sparkcnn.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;

import java.io.Serializable;

/**
 * A network's configuration as DL4J's JSON, small and serialisable, so tasks can build identical replicas on
 * executors. A layer stack (MultiLayerNetwork) or, for nets with skip connections, a ComputationGraph.
 */
public record NetworkSpec(boolean graph, String json) implements Serializable {
    public static NetworkSpec of(MultiLayerConfiguration conf) {
        return new NetworkSpec(false, conf.toJson());
    }

    public static NetworkSpec of(ComputationGraphConfiguration conf) {
        return new NetworkSpec(true, conf.toJson());
    }

    /** A new, initialised network of this configuration (weights from the configuration's seed). */
    public Network build() {
        return graph ? Network.initialised(ComputationGraphConfiguration.fromJson(json))
                : Network.initialised(MultiLayerConfiguration.fromJson(json));
    }
}
