package io.sparkcnn.cli;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.spark.job.Jobs;
import io.sparkcnn.spark.job.PredictJob;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/** Batch inference: classify every image of a lake with a saved model or the registry's champion. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Classify every image of a lake (predict.lake) on Spark with a saved model or the registry's "
                + "champion; write predictions.parquet (and/or .csv), predict.json and bad-files.tsv to predict.output.")
final class PredictCommand implements Callable<Integer> {
    @Mixin
    JobOptions job;

    /** Exactly one source of the model. */
    static final class ModelSource {
        @Option(names = "--model", paramLabel = "DIR", description = "A model folder written by train.")
        String dir;

        @Option(names = "--champion", description = "The champion of registry.model in registry.dir.")
        boolean champion;
    }

    @ArgGroup(multiplicity = "1")
    ModelSource source;

    @Option(names = "--lake", paramLabel = "URI", description = "The images to classify (predict.lake).")
    String lake;

    @Option(names = "--out", paramLabel = "URI", description = "The output folder (predict.output).")
    String out;

    @Option(names = "--overwrite", description = "Replace an existing output folder.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        List<String> overrides = new ArrayList<>();
        if (lake != null) {
            overrides.add("predict.lake=" + lake);
        }
        if (out != null) {
            overrides.add("predict.output=" + out);
        }
        JobConfig config = job.load(overrides);
        config.predict().requireLake();
        PredictJob.Result r = Jobs.predict(config, source.champion ? Optional.empty() : Optional.of(source.dir),
                overwrite);
        System.out.printf(Locale.ROOT, "Classified %d images in %.1f s: %.0f images/s (%d bad files)%n", r.images(),
                r.seconds(), r.imagesPerSecond(), r.badFiles());
        if (r.labelled() > 0) {
            System.out.printf(Locale.ROOT, "Accuracy on the %d images with a true label: %.4f%n", r.labelled(),
                    r.accuracy());
        }
        System.out.println("Predictions: " + r.location());
        return 0;
    }
}
