package io.sparkcnn.spark.job;

import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.data.FileSystems;
import io.sparkcnn.eval.Metrics;
import io.sparkcnn.model.ModelStore;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.registry.ModelRegistry;
import io.sparkcnn.registry.RegistryFaults;
import io.sparkcnn.registry.RegistryVersion;
import io.sparkcnn.spark.SparkSessions;
import io.sparkcnn.spark.training.FaultInjector;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.Optional;

/**
 * Each job in its own Spark session, opened from the job's config and closed when the job ends: the command
 * line's one door into Spark, so that the CLI never handles a Spark type.
 */
public final class Jobs {
    private Jobs() {
    }

    public static TrainJob.Result train(JobConfig config, boolean overwrite, boolean resume) throws IOException {
        try (SparkSession spark = SparkSessions.create(config)) {
            return TrainJob.run(spark, config, overwrite, resume, FaultInjector.fromEnvironment());
        }
    }

    public static Metrics evaluate(JobConfig config, String model) throws IOException {
        try (SparkSession spark = SparkSessions.create(config)) {
            return EvaluateJob.run(spark, config, model);
        }
    }

    public static InspectJob.Result inspect(JobConfig config) throws IOException {
        try (SparkSession spark = SparkSessions.create(config)) {
            return InspectJob.run(spark, config);
        }
    }

    public static RetrainJob.Result retrain(JobConfig config) throws IOException {
        try (SparkSession spark = SparkSessions.create(config)) {
            return RetrainJob.run(spark, config, FaultInjector.NONE, RegistryFaults.NONE);
        }
    }

    /**
     * Classifies {@code predict.lake} with the model folder {@code modelDir}, or, when it is empty, with the
     * champion of {@code registry.model} in {@code registry.dir}.
     */
    public static PredictJob.Result predict(JobConfig config, Optional<String> modelDir, boolean overwrite)
            throws IOException {
        try (SparkSession spark = SparkSessions.create(config)) {
            Configuration hadoop = spark.sparkContext().hadoopConfiguration();
            String name;
            String version;
            SavedModel model;
            if (modelDir.isEmpty()) {
                ModelRegistry registry = ModelRegistry.open(config.registry().requireDir(), config.registry().model(),
                        hadoop);
                RegistryVersion champion = registry.champion().orElseThrow(() -> new ConfigException(
                        "registry.model", "model " + registry.name() + " at " + registry.location()
                        + " has no champion"));
                name = registry.name() + " " + champion.name() + " (champion) at " + champion.location();
                version = registry.name() + "/" + champion.name();
                model = registry.read(champion);
            } else {
                name = modelDir.get();
                version = FileSystems.qualified(modelDir.get(), hadoop).toString();
                model = ModelStore.read(modelDir.get(), hadoop);
            }
            return PredictJob.run(spark, config, model, name, version, overwrite);
        }
    }
}
