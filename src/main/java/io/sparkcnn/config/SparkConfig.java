package io.sparkcnn.config;

import java.io.Serializable;
import java.util.Map;
import java.util.Optional;

/** Spark session settings; spark-submit's own --master and --conf win over these. */
public record SparkConfig(String master, String appName, Map<String, String> conf) implements Serializable {
    public SparkConfig {
        Settings.SPARK_MASTER.check(master);
        Settings.SPARK_APP_NAME.check(appName);
        conf = Map.copyOf(Settings.SPARK_CONF.check(conf));
    }

    public Optional<String> masterIfSet() {
        return master.isBlank() ? Optional.empty() : Optional.of(master);
    }
}
