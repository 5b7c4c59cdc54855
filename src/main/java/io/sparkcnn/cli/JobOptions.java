package io.sparkcnn.cli;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
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

    JobConfig load(List<String> extraOverrides) {
        List<String> all = new ArrayList<>(extraOverrides);
        all.addAll(overrides);
        return JobConfigLoader.load(Optional.ofNullable(conf), all);
    }
}
