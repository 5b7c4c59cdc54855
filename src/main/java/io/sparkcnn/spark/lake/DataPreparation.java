package io.sparkcnn.spark.lake;

import io.sparkcnn.config.CacheStorage;
import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.NormalisationKind;
import io.sparkcnn.config.Settings;
import io.sparkcnn.data.BadFileGate;
import io.sparkcnn.data.DataException;
import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.LakeFile;
import io.sparkcnn.data.LakeReports;
import io.sparkcnn.data.LakeSummary;
import io.sparkcnn.data.Normalisation;
import io.sparkcnn.data.Split;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.spark.SerializableHadoopConf;
import io.sparkcnn.spark.gpu.GpuSlots;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.TreeSet;

/**
 * Lists a job's lakes, decodes both splits into cached worker partitions and checks them: the bad-file
 * policy, at least one training and one held-out image, every held-out class known to the label index. The label index is
 * the training classes found by listing, or a saved model's index when one is given.
 */
public final class DataPreparation {
    private static final Logger LOG = LoggerFactory.getLogger(DataPreparation.class);

    private DataPreparation() {
    }

    /** Prepares data for training: the label index comes from the training split. */
    public static PreparedData forTraining(SparkSession spark, JobConfig job) throws IOException {
        job.data().requireHeldOut();
        return prepare(spark, job, LakeLister.list(spark, job.data(), job.seed()), null, null, true);
    }

    /**
     * Prepares already listed (and selected) files to continue training a model: its label index (or a grown
     * one) and normalisation are used as they are, and the training split is decoded.
     */
    public static PreparedData forRetraining(SparkSession spark, JobConfig job, LakeListing selected, LabelIndex labels,
                                      Normalisation normalisation) throws IOException {
        return prepare(spark, job, selected, labels, normalisation, true);
    }

    /** Prepares data to score a saved model: its label index and normalisation are used as they are. */
    public static PreparedData forModel(SparkSession spark, JobConfig job, LabelIndex labels,
                                        Normalisation normalisation) throws IOException {
        job.data().requireHeldOut();
        return prepare(spark, job, LakeLister.list(spark, job.data(), job.seed()), labels, normalisation, false);
    }

    /**
     * train.workers, or one per task slot: cores / train.threadsPerWorker, and no more than the GPU slots when
     * the job asks for GPUs (the listing has run by now, so the executors have registered).
     */
    public static int workers(SparkSession spark, JobConfig job) {
        int byCores = job.train().workersFor(spark.sparkContext().defaultParallelism());
        java.util.OptionalInt gpuSlots = GpuSlots.count(spark.sparkContext());
        if (gpuSlots.isEmpty() || job.train().workers() > 0) {
            return byCores;
        }
        if (gpuSlots.getAsInt() == 0) {
            throw new ConfigException(GpuSlots.TASK_AMOUNT, "the job asks for GPUs, but no executor has registered "
                    + "any; set spark.executor.resource.gpu.amount and a discovery script "
                    + "(spark.executor.resource.gpu.discoveryScript, or the worker's in standalone mode)");
        }
        int workers = Math.min(byCores, gpuSlots.getAsInt());
        LOG.info("GPU scheduling: {} GPU task slots, {} core slots: {} workers", gpuSlots.getAsInt(), byCores, workers);
        return workers;
    }

    private static PreparedData prepare(SparkSession spark, JobConfig job, LakeListing listing, LabelIndex fixedLabels,
                                        Normalisation fixedNormalisation, boolean decodeTrain) throws IOException {
        JavaRDD<LakeFile> files = listing.files();
        LabelIndex labels = fixedLabels != null ? fixedLabels : trainingLabels(files, job);
        List<String> unknown = files.filter(f -> f.split() == Split.HELD_OUT && f.problem() == null && f.label() != null)
                .map(LakeFile::label).distinct().collect().stream().filter(l -> !labels.contains(l)).sorted().toList();
        if (!unknown.isEmpty()) {
            throw new DataException("held-out classes " + unknown + " are not in the label index " + labels.labels()
                    + ": the model cannot be evaluated on them");
        }
        int workers = workers(spark, job);
        Broadcast<SerializableHadoopConf> hadoop = SerializableHadoopConf.broadcast(spark);
        ImageConfig image = job.data().image();
        long budget = job.data().cacheBudget();
        long candidates = files.filter(f -> f.problem() == null && (decodeTrain || f.split() == Split.HELD_OUT))
                .count();
        if (job.data().cacheStorage() != CacheStorage.ENCODED && candidates * image.size() > budget) {
            throw new ConfigException(Settings.DATA_CACHE_MAX_BYTES.key(), "the decoded lake needs at least "
                    + megabytes(candidates * image.size()) + " (" + candidates + " images of " + image.size()
                    + " values, 1 byte each at best), more than " + job.data().cacheMaxBytes()
                    + "; raise it or decode to a smaller data.image size");
        }
        CacheStorage storage = job.data().cacheStorage();
        JavaRDD<DecodedPartition> train = !decodeTrain
                ? JavaSparkContext.fromSparkContext(spark.sparkContext()).<DecodedPartition>emptyRDD()
                : TrainingData.decode(files, Split.TRAIN, labels, image, workers, storage, hadoop);
        JavaRDD<DecodedPartition> heldOut = TrainingData.decode(files, Split.HELD_OUT, labels, image, workers, storage,
                hadoop);
        long cached;
        LakeSummary summary;
        // A refusal after decoding releases what was cached for it.
        try {
            cached = train.union(heldOut).map(DecodedPartition::pixelBytes).fold(0L, Long::sum);
            if (cached > budget) {
                throw new ConfigException(Settings.DATA_CACHE_MAX_BYTES.key(), "the decoded lake takes "
                        + megabytes(cached) + " (its pixels are not all 8-bit levels, so they are kept as floats), "
                        + "more than " + job.data().cacheMaxBytes() + "; raise it or decode to a smaller data.image "
                        + "size");
            }
            summary = train.union(heldOut).map(DecodedPartition::summary)
                    .fold(new LakeSummary(image.channels()), LakeSummary::merge);
            listing.emptyLabelFolders().forEach(summary::addBad);
            // Always written, so a stale list from an earlier run is never mistaken for this one's.
            String report = LakeReports.writeBadFiles(summary, job.outputDir(),
                    spark.sparkContext().hadoopConfiguration());
            BadFileGate.check(summary, job.data().badFiles(), report);
            requireImages(summary, job, workers, decodeTrain);
        } catch (IOException | RuntimeException e) {
            train.unpersist(false);
            heldOut.unpersist(false);
            throw e;
        }
        List<String> absent = labels.labels().stream()
                .filter(l -> summary.images(Split.HELD_OUT).getOrDefault(l, 0L) == 0).toList();
        if (!absent.isEmpty()) {
            LOG.warn("The held-out images have no image of {} of the {} classes {}: their recall cannot be measured, "
                    + "and macro F1 is computed over the {} classes present", absent.size(), labels.size(), absent,
                    labels.size() - absent.size());
        }
        Normalisation normalisation = fixedNormalisation != null ? fixedNormalisation
                : image.normalisation() == NormalisationKind.STANDARDISE ? summary.standardisation() : Normalisation.unit();
        LOG.info("Decoded and cached {} training and {} held-out images in {} partitions each ({} classes, "
                        + "normalisation {}): {} in Spark's {} cache, data.cache.maxBytes = {}",
                summary.imageCount(Split.TRAIN), summary.imageCount(Split.HELD_OUT), workers, labels.size(),
                normalisation, megabytes(cached), storage.configName(), job.data().cacheMaxBytes());
        return new PreparedData(train, heldOut, labels, InputShape.of(image),
                normalisation, summary, listing);
    }

    /** At least one training image per worker (when training) and one held-out image. */
    private static void requireImages(LakeSummary summary, JobConfig job, int workers, boolean decodeTrain) {
        if (decodeTrain && summary.imageCount(Split.TRAIN) == 0) {
            throw new DataException("data.train: no usable training image in " + job.data().train());
        }
        if (decodeTrain && summary.imageCount(Split.TRAIN) < workers) {
            throw new ConfigException(Settings.TRAIN_WORKERS.key(), workers + " workers"
                    + (job.train().workers() > 0 ? "" : " (one per task slot)") + " but only "
                    + summary.imageCount(Split.TRAIN) + " training images, and each worker needs at least one; set "
                    + "train.workers to at most "
                    + summary.imageCount(Split.TRAIN));
        }
        if (summary.imageCount(Split.HELD_OUT) == 0) {
            throw new DataException(job.data().heldOut().isBlank()
                    ? "data.heldOutFraction = " + job.data().heldOutFraction() + " held out no usable image of "
                    + job.data().train() + ": every model is evaluated on held-out images; raise it or set data.heldOut"
                    : "data.heldOut: no usable held-out image in " + job.data().heldOut());
        }
    }

    private static String megabytes(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static LabelIndex trainingLabels(JavaRDD<LakeFile> files, JobConfig job) {
        TreeSet<String> labels = new TreeSet<>(files
                .filter(f -> f.split() == Split.TRAIN && f.problem() == null && f.label() != null)
                .map(LakeFile::label).distinct().collect());
        if (labels.size() < 2) {
            throw new DataException("data.train: a classifier needs at least 2 classes, found " + labels
                    + " in " + job.data().train());
        }
        return LabelIndex.of(labels);
    }
}
