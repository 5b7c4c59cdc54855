package io.sparkcnn.spark.ml;

import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.NormalisationKind;
import io.sparkcnn.data.BadFile;
import io.sparkcnn.data.BadFileGate;
import io.sparkcnn.data.BadImageException;
import io.sparkcnn.data.DataException;
import io.sparkcnn.data.DecodedImage;
import io.sparkcnn.data.HeldOutSplit;
import io.sparkcnn.data.ImageDecoder;
import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.LakeFile;
import io.sparkcnn.data.LakeSummary;
import io.sparkcnn.data.Normalisation;
import io.sparkcnn.data.Split;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.Provenance;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.spark.job.Provenances;
import io.sparkcnn.spark.job.TrainJob;
import io.sparkcnn.spark.lake.DataPreparation;
import io.sparkcnn.spark.lake.DecodedPartition;
import io.sparkcnn.spark.lake.TrainingData;
import io.sparkcnn.spark.training.Checkpoints;
import io.sparkcnn.spark.training.DistributedTrainer;
import io.sparkcnn.spark.training.FaultInjector;
import io.sparkcnn.spark.training.Trainer;
import io.sparkcnn.spark.training.TrainingResult;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Trains on a DataFrame of labelled images (the Spark ML API's {@code fit}) with the same trainer as a lake:
 * rows are split by hashing their path (as lake files are), dealt round-robin by path to one cached, decoded
 * partition per worker, and trained by parameter averaging with per-epoch held-out evaluation. Undecodable
 * rows and rows without a label are bad files under data.badFiles.
 */
public final class DataFrameTraining {
    private DataFrameTraining() {
    }

    /** A fitted model, and how it was trained (held-out metrics per epoch, rounds, workers, mistakes). */
    public record Fitted(SavedModel model, TrainingResult training) {
    }

    /**
     * Where a fit saves checkpoints ({@code store}; null: nowhere), whether it continues from the newest intact
     * one there, and the faults to inject (tests).
     */
    public record Checkpointed(Checkpoints store, boolean resume, FaultInjector faults) {
        public static final Checkpointed NONE = new Checkpointed(null, false, FaultInjector.NONE);
    }

    public static Fitted fit(SparkSession spark, Dataset<Row> df, JobConfig job, String imageCol, String labelCol,
                             String pathCol) {
        return fit(spark, df, job, imageCol, labelCol, pathCol, Checkpointed.NONE);
    }

    public static Fitted fit(SparkSession spark, Dataset<Row> df, JobConfig job, String imageCol, String labelCol,
                             String pathCol, Checkpointed checkpointed) {
        StructType schema = df.schema();
        boolean struct = RowImages.isImageStruct(schema, imageCol);
        if (!struct && RowImages.indexOf(schema, pathCol) < 0) {
            throw new ConfigException("pathCol", "binary image content needs a path column to name images and to "
                    + "split them; \"" + pathCol + "\" is not in " + Arrays.toString(schema.fieldNames()));
        }
        // Spark's file sources read every file again (and on a local FileSystem fork a process per file for its
        // permissions) for each action on an uncached DataFrame, and fit needs several passes before the decoded
        // partitions are cached: read the columns it needs once, and let go of them once those are.
        List<Column> needed = new java.util.ArrayList<>(List.of(functions.col(imageCol), functions.col(labelCol)));
        if (!struct) {
            needed.add(functions.col(pathCol));
        }
        Dataset<Row> input = df.select(needed.toArray(Column[]::new))
                .persist(TrainingData.level(job.data().cacheStorage()));
        try {
            return fit(spark, input, job, imageCol, labelCol, pathCol, struct, checkpointed);
        } finally {
            input.unpersist(false);
        }
    }

    private static Fitted fit(SparkSession spark, Dataset<Row> input, JobConfig job, String imageCol,
                              String labelCol, String pathCol, boolean struct, Checkpointed checkpointed) {
        Column path = (struct ? functions.col(imageCol + ".origin") : functions.col(pathCol)).cast("string");
        StructField labelField = input.schema().apply(labelCol);
        LabelIndex labels;
        Column label;
        if (labelField.dataType() instanceof NumericType) {
            labels = indexedLabels(input, labelField);
            label = functions.element_at(functions.array(labels.labels().stream().map(functions::lit)
                    .toArray(Column[]::new)), functions.col(labelCol).cast("int").plus(1));
        } else {
            labels = namedLabels(input, labelCol);
            label = functions.col(labelCol).cast("string");
        }
        Dataset<Row> rows = input.select(functions.col(imageCol), path.as("path"), label.as("label"));
        // Hash each path relative to what all paths share, as a lake's files are hashed relative to its root: the
        // split then survives moving the images elsewhere (and a test's random temporary folder).
        Row range = rows.agg(functions.min("path"), functions.max("path")).first();
        int shared = range.isNullAt(0) ? 0 : sharedPrefix(range.getString(0), range.getString(1));
        HeldOutSplit split = new HeldOutSplit(job.seed(), job.data().heldOutFraction());
        ImageConfig image = job.data().image();
        int workers = DataPreparation.workers(spark, job);
        JavaRDD<Row> all = rows.toJavaRDD();
        StorageLevel level = TrainingData.level(job.data().cacheStorage());
        JavaRDD<DecodedPartition> train = decode(all, Split.TRAIN, split, shared, labels, image, struct, workers,
                level);
        JavaRDD<DecodedPartition> heldOut = decode(all, Split.HELD_OUT, split, shared, labels, image, struct, workers,
                level);
        try {
            LakeSummary summary = train.union(heldOut).map(DecodedPartition::summary)
                    .fold(new LakeSummary(image.channels()), LakeSummary::merge);
            BadFileGate.check(summary, job.data().badFiles(), null);
            Trainer.Checkpointing checkpointing = checkpointing(rows, job, labels, checkpointed);
            input.unpersist(false); // the decoded partitions are cached now
            if (summary.imageCount(Split.TRAIN) == 0 || summary.imageCount(Split.HELD_OUT) == 0) {
                throw new DataException("the DataFrame has " + summary.imageCount(Split.TRAIN) + " training and "
                        + summary.imageCount(Split.HELD_OUT) + " held-out images (heldOutFraction "
                        + job.data().heldOutFraction() + "); both must be non-empty");
            }
            Normalisation normalisation = image.normalisation() == NormalisationKind.STANDARDISE
                    ? summary.standardisation() : Normalisation.unit();
            InputShape shape = InputShape.of(image);
            DistributedTrainer trainer = new DistributedTrainer(spark, job, checkpointed.faults());
            TrainingResult result = trainer.train(train, heldOut, labels, shape, normalisation, checkpointing, null);
            Provenance provenance = Provenances.ofDataFrame(spark, job, "Spark ML CnnClassifier.fit on a DataFrame ("
                    + (struct ? "image source" : "binary content") + ")", summary, result);
            return new Fitted(new SavedModel(result.network(), labels, shape, normalisation, provenance), result);
        } finally {
            train.unpersist(false);
            heldOut.unpersist(false);
        }
    }

    /**
     * What a fit that saves checkpoints must share with the fit it resumes: the settings that change the result,
     * the labels, and the rows (the SHA-256 of their sorted paths, the DataFrame's data snapshot).
     */
    private static Trainer.Checkpointing checkpointing(Dataset<Row> rows, JobConfig job, LabelIndex labels,
                                                       Checkpointed checkpointed) {
        if (checkpointed.store() == null) {
            return Trainer.Checkpointing.NONE;
        }
        StringBuilder paths = new StringBuilder();
        for (Row r : rows.select("path").orderBy("path").collectAsList()) {
            paths.append(r.isNullAt(0) ? "" : r.getString(0)).append('\n');
        }
        Map<String, String> identity = TrainJob.identity(job, labels,
                Checkpoints.sha256(paths.toString().getBytes(StandardCharsets.UTF_8)));
        try {
            Checkpoints.Loaded from = checkpointed.resume()
                    ? checkpointed.store().newest(skipped -> { }).orElse(null) : null;
            return new Trainer.Checkpointing(checkpointed.store(), job.checkpoint(), identity, from);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the checkpoints in " + checkpointed.store().location(), e);
        }
    }

    /** Class names from a string label column: every distinct non-blank value, sorted. */
    private static LabelIndex namedLabels(Dataset<Row> df, String labelCol) {
        TreeSet<String> names = new TreeSet<>();
        for (Row r : df.select(functions.col(labelCol).cast("string")).distinct().collectAsList()) {
            if (!r.isNullAt(0) && !r.getString(0).isBlank()) {
                names.add(r.getString(0));
            }
        }
        if (names.size() < 2) {
            throw new DataException(labelCol + ": a classifier needs at least 2 classes, found " + names);
        }
        return LabelIndex.of(names);
    }

    /**
     * Classes from a numeric label column, as StringIndexer makes them: the value is the class's index, so
     * {@code prediction} answers in the same numbers. The names are the column's nominal attribute values when
     * it has them (StringIndexer writes them), else the indices themselves. A value that is not a whole number
     * from 0 is an error naming the column and the value.
     */
    static LabelIndex indexedLabels(Dataset<Row> df, StructField field) {
        String column = field.name();
        Row bad = df.select(functions.col(column).cast("double").as("v"))
                .where("v IS NOT NULL AND (v < 0 OR v != floor(v) OR isnan(v))").limit(1).collectAsList()
                .stream().findFirst().orElse(null);
        if (bad != null) {
            throw new DataException(column + ": a numeric label must be a class index (a whole number from 0, as "
                    + "StringIndexer makes them), got " + bad.get(0));
        }
        Attribute attribute = Attribute.fromStructField(field);
        if (attribute instanceof NominalAttribute nominal && nominal.values().isDefined()) {
            List<String> names = List.of(nominal.values().get());
            if (names.size() < 2) {
                throw new DataException(column + ": a classifier needs at least 2 classes, found " + names);
            }
            return LabelIndex.inOrder(names);
        }
        Row max = df.agg(functions.max(functions.col(column).cast("int"))).first();
        int classes = max.isNullAt(0) ? 0 : max.getInt(0) + 1;
        if (classes < 2) {
            throw new DataException(column + ": a classifier needs at least 2 classes, found " + classes);
        }
        return LabelIndex.inOrder(java.util.stream.IntStream.range(0, classes).mapToObj(String::valueOf).toList());
    }

    /** The length of the longest common prefix of the smallest and largest path, which all paths share. */
    static int sharedPrefix(String min, String max) {
        int n = 0;
        while (n < min.length() && n < max.length() && min.charAt(n) == max.charAt(n)) {
            n++;
        }
        return n;
    }

    private static JavaRDD<DecodedPartition> decode(JavaRDD<Row> rows, Split side, HeldOutSplit split, int shared,
                                                    LabelIndex labels, ImageConfig image, boolean struct,
                                                    int partitions, StorageLevel level) {
        JavaRDD<Row> sideRows = rows.filter(r -> (split.isHeldOut(r.isNullAt(1) ? "" : r.getString(1).substring(
                Math.min(shared, r.getString(1).length()))) ? Split.HELD_OUT : Split.TRAIN) == side);
        return TrainingData.deal(sideRows, r -> r.isNullAt(1) ? "" : r.getString(1), partitions)
                .mapPartitionsWithIndex((index, it) -> decodePartition(index, it, side, labels, image, struct), true)
                .persist(level);
    }

    private static Iterator<DecodedPartition> decodePartition(int index, Iterator<Row> rows, Split side,
                                                              LabelIndex labels, ImageConfig image, boolean struct) {
        ImageDecoder decoder = new ImageDecoder(image);
        LakeSummary summary = new LakeSummary(image.channels());
        DecodedPartition.Builder partition = new DecodedPartition.Builder(image.size());
        while (rows.hasNext()) {
            Row r = rows.next();
            String path = r.isNullAt(1) ? "(row without a path)" : r.getString(1);
            String label = r.isNullAt(2) ? null : r.getString(2);
            if (label == null || label.isBlank()) {
                summary.addBad(new BadFile(path, "no label"));
                continue;
            }
            DecodedImage decoded;
            try {
                decoded = RowImages.decode(r, 0, struct, path, image, decoder);
            } catch (BadImageException e) {
                summary.addBad(new BadFile(path, e.getMessage()));
                continue;
            }
            summary.addImage(new LakeFile(path, path, label, side, -1, -1, null), decoded);
            partition.add(labels.id(label), decoded.pixels(), path);
        }
        return List.of(partition.build(index, summary)).iterator();
    }
}
