package io.sparkcnn.cli;

import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.config.ReferenceConf;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.List;
import java.util.concurrent.Callable;

/** Prints the reference configuration, or a job's fully resolved configuration. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Print configuration: 'reference' (every key, documented) or 'show' (a job's resolved keys).",
        subcommands = {ConfigCommand.Reference.class, ConfigCommand.Show.class})
final class ConfigCommand implements Runnable {
    @Override
    public void run() {
        System.out.print(ReferenceConf.render());
    }

    @Command(name = "reference", mixinStandardHelpOptions = true,
            description = "Print conf/reference.conf as generated from the declarations.")
    static final class Reference implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.print(ReferenceConf.render());
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Load and validate a job's config; print every key's value.")
    static final class Show implements Callable<Integer> {
        @Mixin
        JobOptions job;

        @Override
        public Integer call() {
            System.out.print(JobConfigLoader.render(job.load(List.of())));
            return 0;
        }
    }
}
