package io.sparkcnn.cli;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.eval.Metrics;
import io.sparkcnn.spark.job.Jobs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** Scores a saved model on the held-out split of a lake. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Score a saved model on the held-out split of the configured lake.")
final class EvaluateCommand implements Callable<Integer> {
    @Mixin
    JobOptions job;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "A model folder written by train (e.g. out/fashion-mnist/model).")
    String model;

    @Override
    public Integer call() throws Exception {
        JobConfig config = job.load(List.of());
        config.data().requireHeldOut();
        Metrics m = Jobs.evaluate(config, model);
        System.out.print(m.table());
        return 0;
    }
}
