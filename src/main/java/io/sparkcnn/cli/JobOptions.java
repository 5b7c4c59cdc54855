package io.sparkcnn.cli;

import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The options every job subcommand shares: a config file and key=value overrides. */
final class JobOptions {
    @Option(names = "--conf", paramLabel = "FILE",
            description = "Job config (HOCON), e.g. conf/fashion-mnist.conf. Keys and defaults: conf/reference.conf.")
    Path conf;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one config key (repeatable), e.g. --set data.image.height=32.")
    List<String> overrides = new ArrayList<>();

    /**
     * The job's config: the file, then {@code shortcuts} (the {@code key=value} a subcommand's own options such as
     * --lake stand for), then --set. A key that a shortcut and a --set give different values is an error, not a
     * silent choice of one of them.
     */
    JobConfig load(List<String> shortcuts) {
        for (String shortcut : shortcuts) {
            String key = keyOf(shortcut);
            for (String set : overrides) {
                if (keyOf(set).equals(key) && !valueOf(set).equals(valueOf(shortcut))) {
                    throw new ConfigException(key, "given twice with different values: " + valueOf(shortcut)
                            + " by an option and " + valueOf(set) + " by --set; give it once");
                }
            }
        }
        List<String> all = new ArrayList<>(shortcuts);
        all.addAll(overrides);
        return JobConfigLoader.load(Optional.ofNullable(conf), all);
    }

    private static String keyOf(String override) {
        int eq = override.indexOf('=');
        return (eq < 0 ? override : override.substring(0, eq)).trim();
    }

    private static String valueOf(String override) {
        int eq = override.indexOf('=');
        return eq < 0 ? "" : override.substring(eq + 1).trim();
    }

    /** Hadoop settings as a Spark job would see them: spark.hadoop.* from the config and system properties. */
    static Configuration hadoop(JobConfig c) {
        Configuration conf = new Configuration();
        c.spark().conf().forEach((k, v) -> {
            if (k.startsWith("spark.hadoop.")) {
                conf.set(k.substring("spark.hadoop.".length()), v);
            }
        });
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("spark.hadoop."))
                .forEach(k -> conf.set(k.substring("spark.hadoop.".length()), System.getProperty(k)));
        return conf;
    }
}
