package io.sparkcnn.spark.job;

import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.NewClassPolicy;
import io.sparkcnn.config.RetrainConfig;
import io.sparkcnn.config.Settings;
import io.sparkcnn.data.DataException;
import io.sparkcnn.data.DataSnapshot;
import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.LakeFile;
import io.sparkcnn.data.RetrainSelection;
import io.sparkcnn.data.Split;
import io.sparkcnn.eval.Metrics;
import io.sparkcnn.model.Architectures;
import io.sparkcnn.model.Network;
import io.sparkcnn.model.OutputGrowth;
import io.sparkcnn.model.Provenance;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.registry.ModelRegistry;
import io.sparkcnn.registry.RegistryFaults;
import io.sparkcnn.registry.RegistryLock;
import io.sparkcnn.registry.RegistryVersion;
import io.sparkcnn.spark.lake.DataPreparation;
import io.sparkcnn.spark.lake.LakeLister;
import io.sparkcnn.spark.lake.LakeListing;
import io.sparkcnn.spark.lake.PreparedData;
import io.sparkcnn.spark.training.DistributedTrainer;
import io.sparkcnn.spark.training.FaultInjector;
import io.sparkcnn.spark.training.Trainer;
import io.sparkcnn.spark.training.TrainingResult;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The scheduled retrain: under the model's registry lock, find the training images that are new since the
 * newest version's data snapshot (nothing new: done), warm-start from the champion, train on the new images
 * plus a replay sample of old ones, score challenger and champion on the same held-out split, register the
 * challenger as a new version and promote it unless it is worse than the champion by more than the
 * tolerance. A rejected challenger stays in the registry with both scores.
 */
public final class RetrainJob {
    private static final Logger LOG = LoggerFactory.getLogger(RetrainJob.class);

    /** How a retrain ended (each has its own exit code in the CLI). */
    public enum Outcome { PROMOTED, KEPT_CHAMPION, NOTHING_TO_DO }

    /**
     * @param challenger the registered challenger (null when there was nothing to do)
     * @param champion   the champion the retrain started from
     */
    public record Result(Outcome outcome, RegistryVersion challenger, RegistryVersion champion,
                         Metrics challengerMetrics, Metrics championMetrics, long newTrainingFiles, String summary) {
    }

    private RetrainJob() {
    }

    public static Result run(SparkSession spark, JobConfig job, FaultInjector faults, RegistryFaults registryFaults)
            throws IOException {
        RetrainConfig rc = job.retrain();
        if (job.fineTune().enabled()) {
            throw new ConfigException(Settings.MODEL_INIT.key(), "retrain starts from the champion; model.init is for "
                    + "train (got " + job.fineTune().init() + ")");
        }
        ModelRegistry registry = ModelRegistry.open(job.registry().requireDir(), job.registry().model(),
                spark.sparkContext().hadoopConfiguration(), registryFaults);
        try (RegistryLock lock = registry.lock("retrain " + spark.sparkContext().applicationId(),
                Duration.ofSeconds(rc.lockStaleAfterSeconds()))) {
            registry.completeInterruptedPromotion(lock);
            List<RegistryVersion> versions = registry.versions();
            RegistryVersion championVersion = versions.stream()
                    .filter(v -> v.status() == RegistryVersion.Status.CHAMPION).findFirst()
                    .orElseThrow(() -> new ConfigException(Settings.REGISTRY_MODEL.key(), "model " + registry.name()
                            + " has no champion in " + registry.location() + "; train it first with registry.dir set "
                            + "(its first version becomes the champion), or promote a version"));
            RegistryVersion first = versions.get(0);
            RegistryVersion newest = versions.get(versions.size() - 1);
            SavedModel champion = registry.read(championVersion);
            requireSameInputs(job, champion, championVersion);
            DataSnapshot baseline = DataSnapshot.parse(registry.readFile(newest, TrainJob.SNAPSHOT),
                    newest.location() + "/" + TrainJob.SNAPSHOT);
            int nextVersion = newest.number() + 1;
            DataSnapshot frozen = null;
            if (rc.frozenHeldOut()) {
                frozen = first.number() == newest.number() ? baseline : DataSnapshot.parse(
                        registry.readFile(first, TrainJob.SNAPSHOT), first.location() + "/" + TrainJob.SNAPSHOT);
            }
            RetrainSelection selection = new RetrainSelection(baseline, frozen,
                    RetrainSelection.replaySeed(job.seed(), nextVersion), rc.replayFraction());

            LakeListing listing = LakeLister.list(spark, job.data(), job.seed());
            Broadcast<RetrainSelection> bSelection = JavaSparkContext.fromSparkContext(spark.sparkContext())
                    .broadcast(selection);
            JavaRDD<LakeFile> files = listing.files();
            RetrainSelection.Tally tally = files.map(f -> bSelection.value().tally(f))
                    .fold(RetrainSelection.Tally.NONE, RetrainSelection.Tally::plus);
            long newTraining = tally.newTraining();
            long newHeldOut = tally.newHeldOut();
            long replayed = tally.replayed();
            long scored = tally.scored();
            LOG.info("Compared the lake with the data snapshot of {} ({} files): {} new or changed training files, "
                            + "{} new held-out files, {} old training files replayed (retrain.replayFraction = {}); "
                            + "scoring on {} held-out files ({})", newest.name(), baseline.size(), newTraining,
                    newHeldOut, replayed, rc.replayFraction(), scored, frozen == null ? "retrain.heldOut = current: all "
                            + "there are now" : "retrain.heldOut = frozen: those of " + first.name()
                            + ", " + frozen.heldOutCount() + " then");
            if (newTraining == 0) {
                files.unpersist(false);
                String summary = "nothing to do: no training image is new since the snapshot of " + newest.name()
                        + " (" + newHeldOut + " new held-out files); champion " + championVersion.name() + " stays";
                LOG.info(summary);
                return new Result(Outcome.NOTHING_TO_DO, null, championVersion, null, null, 0, summary);
            }
            if (scored == 0) {
                files.unpersist(false);
                throw new DataException("no held-out image to score champion and challenger on ("
                        + (frozen == null ? "the lake has none" : "none of the held-out files of "
                        + first.name() + "'s snapshot is still in the lake unchanged")
                        + "); set data.heldOutFraction or data.heldOut"
                        + (frozen == null ? "" : ", or retrain.heldOut = current"));
            }
            LabelIndex labels = labels(files, champion.labels(), rc.newClasses());
            String snapshot = TrainJob.snapshot(listing);
            JavaRDD<LakeFile> selected = files.filter(f -> bSelection.value().selects(f));
            PreparedData data = DataPreparation.forRetraining(spark, job,
                    new LakeListing(selected, listing.labelFolders(), listing.emptyLabelFolders()), labels,
                    champion.normalisation());
            try {
                return trainAndDecide(spark, job, registry, lock, championVersion, champion, data, labels, faults,
                        snapshot, Map.of("newTrainingFiles", newTraining, "replayedTrainingFiles", replayed,
                                "newHeldOutFiles", newHeldOut, "scoredHeldOutFiles", scored,
                                "heldOut", frozen == null ? "current" : "frozen",
                                "baselineSnapshot", newest.name()));
            } finally {
                data.release();
                files.unpersist(false);
            }
        }
    }

    private static Result trainAndDecide(SparkSession spark, JobConfig job, ModelRegistry registry, RegistryLock lock,
                                         RegistryVersion championVersion, SavedModel champion, PreparedData data,
                                         LabelIndex labels, FaultInjector faults, String snapshot,
                                         Map<String, Object> counts) throws IOException {
        RetrainConfig rc = job.retrain();
        boolean grown = labels.size() > champion.labels().size();
        Network championNet = champion.network();
        float[] championParams = championNet.params().data().asFloat();
        Network championScored = championNet;
        DistributedTrainer.WarmStart warm;
        if (grown) {
            Network wider = Architectures.build(job.train(), data.shape(), labels.size(), job.seed()).build();
            float[] start = OutputGrowth.grow(championNet, wider, champion.labels().size(), false);
            Network silent = Architectures.build(job.train(), data.shape(), labels.size(), job.seed()).build();
            OutputGrowth.grow(championNet, silent, champion.labels().size(), true);
            championScored = silent;
            warm = new DistributedTrainer.WarmStart(start, new float[0], championVersion.name() + " (output grown)");
            List<String> added = labels.labels().subList(champion.labels().size(), labels.size());
            LOG.info("Growing the output layer of {} by {} classes {} (retrain.newClasses = grow); {} is scored as "
                    + "never predicting them", championVersion.name(), added.size(), added, championVersion.name());
        } else {
            org.nd4j.linalg.api.ndarray.INDArray state = championNet.updaterState();
            warm = new DistributedTrainer.WarmStart(championParams, state == null ? new float[0] : state.data().asFloat(),
                    championVersion.name());
        }
        DistributedTrainer trainer = new DistributedTrainer(spark, job, faults);
        TrainingResult trained = trainer.train(data.train(), data.heldOut(), labels, data.shape(),
                data.normalisation(), Trainer.Checkpointing.NONE, warm);
        Metrics challengerMetrics = trained.model();
        Metrics championMetrics;
        try {
            championMetrics = trainer.evaluateInDetail(data.heldOut(), championScored.spec(),
                    championScored.params().data().asFloat(), data.shape(), labels, data.normalisation()).metrics();
        } finally {
            trainer.release(data.heldOut());
        }
        RetrainDecision decided = RetrainDecision.decide(rc, challengerMetrics.count(),
                challengerMetrics.score(rc.metric()), championMetrics.score(rc.metric()), championVersion.name(),
                rc.frozenHeldOut() ? RetrainDecision.bestPromoted(registry.versions(), rc.metric()) : Optional.empty());
        boolean accepted = decided.accepted();
        String verdict = decided.verdict();
        LOG.info("Retrain decision: {}", verdict);

        Map<String, Object> decision = new LinkedHashMap<>();
        decision.put("metric", rc.metric().configName());
        decision.put("challenger", decided.challenger());
        decision.put("champion", decided.champion());
        decision.put("championVersion", championVersion.number());
        decided.best().ifPresent(b -> {
            decision.put("bestPromoted", b.score());
            decision.put("bestPromotedVersion", b.version());
        });
        decision.put("tolerance", rc.tolerance());
        decision.put("accepted", accepted);
        decision.put("heldOutImages", challengerMetrics.count());
        decision.put("championMetrics", championMetrics.toMap());
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("kind", "retrain");
        entry.put("parent", championVersion.number());
        entry.put("decision", decision);
        entry.put(ModelRegistry.PROMOTE, accepted);
        Map<String, Object> dataEntry = new LinkedHashMap<>(counts);
        dataEntry.put("trainImages", data.summary().imageCount(Split.TRAIN));
        dataEntry.put("heldOutImages", data.summary().imageCount(Split.HELD_OUT));
        entry.put("data", dataEntry);
        if (grown) {
            entry.put("classesAdded", labels.labels().subList(champion.labels().size(), labels.size()));
        }
        Provenance provenance = Provenances.ofLake(spark, job, data, trained, snapshot).withRetrain(entry);
        SavedModel model = new SavedModel(trained.network(), labels, data.shape(), data.normalisation(), provenance);
        Map<String, Object> comparison = new LinkedHashMap<>();
        comparison.put("decision", verdict);
        comparison.put("champion", championVersion.name());
        comparison.put("champion accuracy", championMetrics.accuracy());
        comparison.put("champion macro F1", championMetrics.macroF1());
        comparison.put("champion loss", championMetrics.loss());
        comparison.putAll(counts);
        byte[] report = TrainJob.report("spark-cnn retrain of " + registry.name() + " (challenger of "
                        + championVersion.name() + ")", "retrain", job, trained, challengerMetrics,
                TrainJob.explained(trained.misses(), model),
                provenance.toJson(), comparison);
        RegistryVersion registered = registry.register(model, Map.of(TrainJob.SNAPSHOT,
                snapshot.getBytes(StandardCharsets.UTF_8), io.sparkcnn.eval.HtmlReport.FILE, report), entry, lock);
        if (accepted) {
            registry.promote(registered.number(), "retrain: " + verdict, lock);
            return new Result(Outcome.PROMOTED, registry.version(registered.number()), championVersion,
                    challengerMetrics, championMetrics, (Long) counts.get("newTrainingFiles"),
                    registered.name() + " promoted: " + verdict);
        }
        return new Result(Outcome.KEPT_CHAMPION, registered, championVersion, challengerMetrics, championMetrics,
                (Long) counts.get("newTrainingFiles"), registered.name() + " rejected: " + verdict);
    }

    /** The champion's label index, or it grown by the lake's new classes; a new class is an error by default. */
    private static LabelIndex labels(JavaRDD<LakeFile> files, LabelIndex championLabels, NewClassPolicy policy) {
        List<String> found = files.filter(f -> f.problem() == null && f.label() != null).map(LakeFile::label)
                .distinct().collect();
        List<String> added = found.stream().filter(l -> !championLabels.contains(l)).sorted().toList();
        if (added.isEmpty()) {
            return championLabels;
        }
        if (policy == NewClassPolicy.ERROR) {
            throw new DataException("the lake has classes the champion does not know: " + added + " (champion: "
                    + championLabels.labels() + "); set " + Settings.RETRAIN_NEW_CLASSES.key() + " = grow to add them "
                    + "to the output layer, or train a new model");
        }
        return championLabels.extendedWith(added);
    }

    private static void requireSameInputs(JobConfig job, SavedModel champion, RegistryVersion version) {
        champion.requireInputs(job.data().image(), "champion " + version.name());
        Long seed = champion.provenance().seed();
        if (job.data().heldOut().isBlank() && seed != null && seed != job.seed()) {
            throw new ConfigException(Settings.SEED.key(), "champion " + version.name() + " was trained with seed "
                    + seed + ", the config says " + job.seed() + "; the hashed held-out split depends on the seed, "
                    + "so a "
                    + "retrain must keep it (or the held-out images would leak into training)");
        }
        String architecture = champion.provenance().architecture();
        if (architecture != null && !architecture.equals(job.train().architectureName())) {
            throw new ConfigException(Settings.MODEL_ARCHITECTURE.key(), "champion " + version.name() + " is a "
                    + architecture + ", the config says " + job.train().architectureName()
                    + "; retrain keeps the champion's architecture");
        }
    }
}
