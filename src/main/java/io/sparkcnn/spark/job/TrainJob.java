package io.sparkcnn.spark.job;

import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.config.Setting;
import io.sparkcnn.config.Settings;
import io.sparkcnn.data.DataSnapshot;
import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.eval.HtmlReport;
import io.sparkcnn.eval.Metrics;
import io.sparkcnn.eval.Mistake;
import io.sparkcnn.model.Classifier;
import io.sparkcnn.model.ModelStore;
import io.sparkcnn.model.Occlusion;
import io.sparkcnn.model.Provenance;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.registry.ModelRegistry;
import io.sparkcnn.registry.RegistryLock;
import io.sparkcnn.registry.RegistryVersion;
import io.sparkcnn.spark.lake.DataPreparation;
import io.sparkcnn.spark.lake.LakeListing;
import io.sparkcnn.spark.lake.PreparedData;
import io.sparkcnn.spark.training.Checkpoints;
import io.sparkcnn.spark.training.FaultInjector;
import io.sparkcnn.spark.training.Trainer;
import io.sparkcnn.spark.training.TrainingResult;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The train job: prepare the data, train by parameter averaging, evaluate after every epoch, and write the
 * model with its provenance to {@code output.dir/model} (atomically; an existing model only with overwrite).
 */
public final class TrainJob {
    public static final String MODEL_DIR = "model";
    public static final String SNAPSHOT = "snapshot.tsv";
    public static final String CHECKPOINTS_DIR = "checkpoints";
    private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

    /** The trained model, where it was written, and its held-out metrics (those of the epoch it holds). */
    public record Result(SavedModel model, String location, Metrics finalMetrics, TrainingResult training,
                         Optional<String> registered) {
    }

    private TrainJob() {
    }

    public static Result run(SparkSession spark, JobConfig job, boolean overwrite, FaultInjector faults)
            throws IOException {
        return run(spark, job, overwrite, false, faults);
    }

    /**
     * @param overwrite replace an existing model, and discard the checkpoints of an unfinished run (unless resuming)
     * @param resume    continue from the newest intact checkpoint in output.dir/checkpoints (from the start when
     *                  there is none)
     */
    public static Result run(SparkSession spark, JobConfig job, boolean overwrite, boolean resume,
                             FaultInjector faults) throws IOException {
        String location = job.outputDir() + "/" + MODEL_DIR;
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        if (!overwrite) {
            // Fail before hours of training, not after; ModelStore.write checks again when it writes.
            ModelStore.requireAbsent(location, hadoop);
        }
        Checkpoints checkpoints = new Checkpoints(job.outputDir() + "/" + CHECKPOINTS_DIR, job.checkpoint().keep(),
                hadoop);
        Trainer trainer = Trainer.of(spark, job, faults);
        if (resume && !trainer.checkpoints()) {
            throw new ConfigException(Settings.TRAIN_STRATEGY.key(), "--resume needs a strategy that writes "
                    + "checkpoints (averaging); " + job.train().strategy().configName() + " writes none");
        }
        if (!resume && checkpoints.exist()) {
            if (!overwrite) {
                throw new ConfigException(Settings.OUTPUT_DIR.key(), checkpoints.location() + " holds the checkpoints "
                        + "of an unfinished run; pass --resume to continue it, or --overwrite to discard them");
            }
            LOG.info("Discarding the checkpoints of an earlier run in {} (--overwrite)", checkpoints.location());
            checkpoints.deleteAll();
        }
        if (job.registry().enabled()) {
            // Registering needs the model's lock: fail now rather than after training when a retrain holds it.
            ModelRegistry.open(job.registry().dir(), job.registry().model(), hadoop)
                    .lock("train (checking the lock is free)", Duration.ofSeconds(job.retrain().lockStaleAfterSeconds()))
                    .close();
        }
        Checkpoints.Loaded from = null;
        if (resume) {
            from = checkpoints.newest(skipped -> { }).orElse(null);
            if (from == null) {
                LOG.info("--resume: no usable checkpoint in {}; training from the start", checkpoints.location());
            }
        }
        PreparedData data = DataPreparation.forTraining(spark, job);
        try {
            String snapshot = snapshot(data.listing());
            TrainingResult trained = trainer.train(data, new Trainer.Checkpointing(checkpoints, job.checkpoint(),
                    identity(job, data.labels(), sha256(snapshot)), from));
            Metrics last = trained.model();
            Map<String, byte[]> extra = new LinkedHashMap<>();
            extra.put(SNAPSHOT, snapshot.getBytes(StandardCharsets.UTF_8));
            Provenance provenance = Provenances.ofLake(spark, job, data, trained, snapshot);
            SavedModel model = new SavedModel(trained.network(), data.labels(), data.shape(), data.normalisation(),
                    provenance);
            extra.put(HtmlReport.FILE, report("spark-cnn train: " + job.train().architectureName() + " on "
                    + job.data().train(), "train", job, trained, last, explained(trained.misses(), model),
                    provenance.toJson(), Map.of()));
            String written = ModelStore.write(model, extra, location, overwrite, hadoop);
            // The model is complete: the checkpoints have served their purpose, and a later run must not resume them.
            checkpoints.deleteAll();
            Optional<String> registered = job.registry().enabled()
                    ? Optional.of(register(spark, job, model, extra, last)) : Optional.empty();
            return new Result(model, written, last, trained, registered);
        } finally {
            data.release();
        }
    }

    /**
     * Writes a model trained elsewhere (the Spark ML estimator's fit) as {@code train} writes its own: the model
     * folder at {@code output.dir/model} with its report, and a registry version when {@code registry.dir} is set.
     * Returns where the model went and what the registry made of it.
     */
    public static Result writeTrained(SparkSession spark, JobConfig job, SavedModel model, TrainingResult trained,
                                      String title, boolean overwrite) throws IOException {
        String location = job.outputDir() + "/" + MODEL_DIR;
        Map<String, byte[]> extra = new LinkedHashMap<>();
        extra.put(HtmlReport.FILE, report(title, "train", job, trained, trained.model(),
                explained(trained.misses(), model), model.provenance().toJson(), Map.of()));
        String written = ModelStore.write(model, extra, location, overwrite,
                spark.sparkContext().hadoopConfiguration());
        Optional<String> registered = job.registry().enabled()
                ? Optional.of(register(spark, job, model, extra, trained.model())) : Optional.empty();
        return new Result(model, written, trained.model(), trained, registered);
    }

    /**
     * The HTML report of a run (see {@link HtmlReport}), as bytes to write beside its model; {@code trained} is
     * null for an evaluation, whose provenance names the model it scored.
     */
    /**
     * The report's mistakes, each with its occlusion saliency for the class the model wrongly chose (the same map
     * serve's explain endpoint answers): where the network looked.
     */
    static List<Mistake> explained(List<Mistake> misses, SavedModel model) {
        Classifier classifier = Classifier.of(model.network(), model, 1);
        List<Mistake> out = new java.util.ArrayList<>(misses.size());
        for (Mistake m : misses) {
            out.add(m.withSaliency(Occlusion.saliency(classifier, m.pixels(), model.shape())));
        }
        return out;
    }

    static byte[] report(String title, String kind, JobConfig job, TrainingResult trained, Metrics last,
                         List<Mistake> misses, Map<String, Object> provenance, Map<String, Object> comparison) {
        String backend = "driver " + Nd4j.getBackend().getClass().getSimpleName();
        List<Map<String, Object>> workers = List.of();
        if (trained != null && !trained.workers().isEmpty()) {
            backend += ", workers " + String.join(", ", trained.workers().stream()
                    .map(w -> w.backend() + "/" + w.device()).distinct().sorted().toList());
            workers = Provenance.asJson(trained.workers());
        }
        return HtmlReport.render(new HtmlReport.Content(title, kind, trained == null ? List.of() : trained.rounds(),
                trained == null ? List.of() : trained.epochs(), last, workers, JobConfigLoader.values(job), backend,
                provenance, misses, comparison)).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Adds the trained model to the registry as a new version; the first version of a model becomes its champion,
     * later ones wait for {@code registry promote} (a retrain is what compares a challenger with the champion).
     */
    private static String register(SparkSession spark, JobConfig job, SavedModel model, Map<String, byte[]> extra,
                                   Metrics last) throws IOException {
        ModelRegistry registry = ModelRegistry.open(job.registry().dir(), job.registry().model(),
                spark.sparkContext().hadoopConfiguration());
        try (RegistryLock lock = registry.lock("train " + spark.sparkContext().applicationId(),
                Duration.ofSeconds(job.retrain().lockStaleAfterSeconds()))) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("kind", "train");
            entry.put("metrics", last.toMap());
            registry.completeInterruptedPromotion(lock);
            boolean first = registry.champion().isEmpty();
            entry.put(ModelRegistry.PROMOTE, first);
            RegistryVersion v = registry.register(model, extra, entry, lock);
            if (first) {
                registry.promote(v.number(), "first version of " + registry.name(), lock);
                return v.name() + " (champion)";
            }
            LOG.info("Registered {} as a candidate; the champion stays (promote it with: spark-cnn registry promote "
                    + "{})", v.name(), v.name());
            return v.name() + " (candidate; champion unchanged)";
        }
    }

    /**
     * What a resumed run must share with the run that wrote its checkpoint: every setting declared as changing
     * the result ({@link Setting#changesResult}), the labels and the data snapshot.
     */
    public static Map<String, String> identity(JobConfig job, LabelIndex labels, String snapshotSha256) {
        Map<String, String> id = new TreeMap<>();
        Map<String, String> values = JobConfigLoader.values(job);
        for (Setting<?> s : Settings.ALL) {
            if (s.changesResult()) {
                id.put(s.key(), values.get(s.key()));
            }
        }
        id.put("labels", labels.labels().toString());
        id.put("data snapshot (SHA-256 of the file list)", snapshotSha256);
        return id;
    }

    /** Every usable input file with its split, size and modification time, sorted: the data snapshot. */
    static String snapshot(LakeListing listing) {
        return DataSnapshot.render(listing.files().collect());
    }

    private static String sha256(String text) {
        return Checkpoints.sha256(text.getBytes(StandardCharsets.UTF_8));
    }
}
