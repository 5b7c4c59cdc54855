package io.sparkcnn.spark;

import io.sparkcnn.train.OpenBlasCore;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

import java.util.Map;

/**
 * A Spark plugin (spark.plugins, added by {@link SparkSessions}) that prepares each executor JVM when it starts,
 * before its first task can load ND4J: OpenBLAS's kernels chosen for the executor's own CPU ({@link OpenBlasCore}),
 * so that executors on different machines of a cluster each get theirs.
 */
public final class ExecutorSetup implements SparkPlugin {
    @Override
    public DriverPlugin driverPlugin() {
        return null;
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            @Override
            public void init(PluginContext ctx, Map<String, String> extraConf) {
                OpenBlasCore.prepare();
            }
        };
    }
}
