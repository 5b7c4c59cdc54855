package io.sparkcnn.cli;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.spark.job.Jobs;
import io.sparkcnn.spark.job.RetrainJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.List;
import java.util.concurrent.Callable;

/** The scheduled retrain: new data only, warm start, challenger against champion. */
@Command(name = "retrain", mixinStandardHelpOptions = true,
        description = {"Retrain the registry's champion (registry.dir, registry.model) on the training images that "
                + "are new since the newest version, plus a replay sample (retrain.replayFraction); score challenger "
                + "and champion on the same held-out split; register the challenger and promote it unless it is "
                + "worse than the champion by more than retrain.tolerance on retrain.metric.",
                "Exit codes: 0 promoted, " + SparkCnn.EXIT_KEPT_CHAMPION + " champion kept (challenger rejected), "
                        + SparkCnn.EXIT_NOTHING_TO_DO + " nothing to do (no new training image), "
                        + SparkCnn.EXIT_LOCKED + " locked (another job holds the model's lock), 1 failed, "
                        + "2 configuration error, 3 data error."})
final class RetrainCommand implements Callable<Integer> {
    @Mixin
    JobOptions job;

    @Override
    public Integer call() throws Exception {
        JobConfig config = job.load(List.of());
        config.data().requireTrain();
        config.data().requireHeldOut();
        config.registry().requireDir();
        RetrainJob.Result r = Jobs.retrain(config);
        if (r.challengerMetrics() != null) {
            System.out.println("Challenger (" + r.challenger().name() + "):");
            System.out.print(r.challengerMetrics().table());
            System.out.println("Champion (" + r.champion().name() + ") on the same held-out images:");
            System.out.print(r.championMetrics().table());
        }
        System.out.println("retrain: " + r.summary());
        return switch (r.outcome()) {
            case PROMOTED -> 0;
            case KEPT_CHAMPION -> SparkCnn.EXIT_KEPT_CHAMPION;
            case NOTHING_TO_DO -> SparkCnn.EXIT_NOTHING_TO_DO;
        };
    }
}
