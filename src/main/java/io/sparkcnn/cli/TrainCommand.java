package io.sparkcnn.cli;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.spark.job.Jobs;
import io.sparkcnn.spark.job.TrainJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** Trains a model on a lake by parameter averaging and prints its held-out metrics. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train on a lake by parameter averaging; evaluate on the held-out split after every epoch; "
                + "write the model with its provenance to <output.dir>/model.")
final class TrainCommand implements Callable<Integer> {
    @Mixin
    JobOptions job;

    @Option(names = "--overwrite", description = "Replace an existing model in output.dir.")
    boolean overwrite;

    @Option(names = "--resume", description = "Continue an interrupted run from the newest intact checkpoint in "
            + "<output.dir>/checkpoints (from the start when there is none). The settings that change the result and "
            + "the data must be the same as the interrupted run's.")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        JobConfig config = job.load(List.of());
        config.data().requireTrain();
        config.data().requireHeldOut();
        io.sparkcnn.model.Architectures.checkFile(config.train());
        TrainJob.Result r = Jobs.train(config, overwrite, resume);
        System.out.printf("Trained %s in %.1f s (%.0f images/s over %d images seen)%n",
                config.train().architectureName(), r.training().seconds(),
                r.training().imagesSeen() / r.training().seconds(), r.training().imagesSeen());
        System.out.print(r.finalMetrics().table());
        System.out.println("Model: " + r.location());
        r.registered().ifPresent(v -> System.out.println("Registry: " + config.registry().model() + " " + v));
        return 0;
    }
}
