package io.sparkcnn.spark.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.PredictConfig;
import io.sparkcnn.config.Settings;
import io.sparkcnn.data.BadFileGate;
import io.sparkcnn.data.DataException;
import io.sparkcnn.data.FileSystems;
import io.sparkcnn.data.LakeFile;
import io.sparkcnn.data.LakeReports;
import io.sparkcnn.data.LakeSummary;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.spark.PredictionColumns;
import io.sparkcnn.spark.SerializableHadoopConf;
import io.sparkcnn.spark.lake.LakeLister;
import io.sparkcnn.spark.training.Replicas;
import io.sparkcnn.train.WorkerCompute;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Batch inference: classifies every image of a lake on Spark with a saved model and writes one row per image
 * (path, true label where the lake gives one, then the {@link PredictionColumns} every prediction has) as Parquet
 * and/or CSV, sorted by path, plus {@code predict.json} (counts, images/s,
 * accuracy on the labelled images) and {@code bad-files.tsv}. Bad files follow data.badFiles as in training.
 * The output folder is written under a hidden name and renamed, so it is complete or absent.
 */
public final class PredictJob {
    public static final String PARQUET = "predictions.parquet";
    public static final String CSV = "predictions.csv";
    public static final String SUMMARY = "predict.json";
    private static final Logger LOG = LoggerFactory.getLogger(PredictJob.class);

    /** What was classified, how fast, and where it went. */
    /**
     * @param stageSeconds where the time went: listing, classifying (reading, decoding, inference), counting,
     *                     writing (sorting by path, Parquet and/or CSV, the summary)
     */
    public record Result(String location, long images, long badFiles, long labelled, long correct, double seconds,
                         Map<String, Double> stageSeconds) {
        public double imagesPerSecond() {
            return images / seconds;
        }

        /** Accuracy on the images whose true label is a class of the model (NaN when there are none). */
        public double accuracy() {
            return labelled == 0 ? Double.NaN : (double) correct / labelled;
        }
    }

    private PredictJob() {
    }

    /**
     * @param modelName    how predict.json names the model (its folder, or the registry version and where it is)
     * @param modelVersion what every row names the model by ({@code registry-model/vN}, or the model folder's URI)
     */
    public static Result run(SparkSession spark, JobConfig job, SavedModel model, String modelName,
                             String modelVersion, boolean overwrite) throws IOException {
        PredictConfig pc = job.predict();
        model.requireInputs(job.data().image(), "the model");
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Path target = FileSystems.qualified(pc.outputOr(job.outputDir()), hadoop);
        FileSystem fs = FileSystems.of(target, hadoop);
        boolean complete = fs.exists(target) && !onlyAStoppedRunsReport(fs, target);
        if (complete && !overwrite) {
            throw new ConfigException(Settings.PREDICT_OUTPUT.key(), target + " exists; choose another predict.output "
                    + "or pass --overwrite");
        }
        long start = System.nanoTime();
        Map<String, Double> stages = new LinkedHashMap<>();
        JavaRDD<LakeFile> files = LakeLister.listForPrediction(spark, pc.requireLake(), Settings.PREDICT_LAKE.key(),
                job.data());
        long listed = System.nanoTime();
        stages.put("listing", (listed - start) / 1e9);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<float[]> params = sc.broadcast(model.network().params().data().asFloat());
        String jobId = UUID.randomUUID().toString();
        PredictTask task = new PredictTask(jobId, model.network().spec(), params, model.shape(), model.labels(),
                model.normalisation(), job.data().image(), pc.topK(), job.train().evalBatchSize(),
                new WorkerCompute(job.train().threadsPerWorker(), job.backend()), SerializableHadoopConf.broadcast(spark));
        JavaRDD<PredictTask.Part> parts = files.mapPartitions(task).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            LakeSummary summary = parts.map(PredictTask.Part::summary)
                    .fold(new LakeSummary(model.shape().channels()), LakeSummary::merge);
            long classified = System.nanoTime();
            stages.put("classifying", (classified - listed) / 1e9);
            if (summary.badCount() > 0) {
                // Bad files may stop the job: their list goes where the predictions would have gone, or beside a
                // complete earlier output that --overwrite would have replaced, which stays as it was.
                String reportDir = complete ? new Path(target.getParent(), target.getName() + "-stopped").toString()
                        : target.toString();
                try {
                    BadFileGate.check(summary, job.data().badFiles(), reportDir + "/" + LakeReports.BAD_FILES);
                } catch (DataException e) {
                    LakeReports.writeBadFiles(summary, reportDir, hadoop);
                    throw e;
                }
            }
            JavaRDD<PredictTask.Prediction> predictions = parts.flatMap(p -> p.predictions().iterator());
            java.util.List<String> known = model.labels().labels();
            // One pass: {true label the model knows, predicted correctly, true label the model does not know}.
            long[] counts = predictions.map(p -> p.label() == null ? new long[3] : new long[] {
                            known.contains(p.label()) ? 1 : 0, p.label().equals(p.prediction().label()) ? 1 : 0,
                            known.contains(p.label()) ? 0 : 1})
                    .fold(new long[3], (x, y) -> new long[] {x[0] + y[0], x[1] + y[1], x[2] + y[2]});
            long counted = System.nanoTime();
            stages.put("counting", (counted - classified) / 1e9);
            long labelled = counts[0];
            long correct = counts[1];
            long unknownLabels = counts[2];
            Path tmp = new Path(target.getParent(), "." + target.getName() + "-" + UUID.randomUUID() + ".tmp");
            Result r;
            try {
                write(spark, predictions, tmp, pc, modelVersion);
                LakeReports.writeBadFiles(summary, tmp.toString(), hadoop);
                stages.put("writing", (System.nanoTime() - counted) / 1e9);
                r = new Result(target.toString(), summary.imageCount(), summary.badCount(), labelled, correct,
                        (System.nanoTime() - start) / 1e9, stages);
                writeSummary(fs, new Path(tmp, SUMMARY), r, modelName, modelVersion, model, unknownLabels, pc);
                if (fs.exists(target)) {
                    fs.delete(target, true);
                }
                FileSystems.rename(fs, tmp, target);
            } catch (IOException | RuntimeException e) {
                fs.delete(tmp, true);
                throw e;
            }
            LOG.info("Predict stages (seconds): {}", stages);
            LOG.info(String.format(Locale.ROOT, "Classified %d images in %.1f s (%.0f images/s), %d bad files; %d with "
                            + "a known true label (accuracy %.4f), %d with a label the model does not know; wrote %s",
                    r.images(), r.seconds(), r.imagesPerSecond(), r.badFiles(), labelled, r.accuracy(), unknownLabels,
                    target));
            return r;
        } finally {
            parts.unpersist(false);
            files.unpersist(false);
            params.destroy();
            Replicas.release(jobId);
            files.foreachPartition(p -> Replicas.release(jobId));
        }
    }

    /** True for an output folder that holds nothing but the bad-file list of a run they stopped. */
    private static boolean onlyAStoppedRunsReport(FileSystem fs, Path target) throws IOException {
        var entries = fs.listStatus(target);
        return entries.length == 1 && entries[0].getPath().getName().equals(LakeReports.BAD_FILES);
    }

    private static void write(SparkSession spark, JavaRDD<PredictTask.Prediction> predictions, Path dir,
                              PredictConfig pc, String modelVersion) {
        StructType schema = PredictionColumns.append(new StructType()
                .add(PredictionColumns.PATH, DataTypes.StringType, false)
                .add(PredictionColumns.LABEL, DataTypes.StringType, true), PredictionColumns.Names.DEFAULT, false);
        Dataset<Row> rows = spark.createDataFrame(predictions.map(p -> PredictionColumns.row(
                new Object[] {p.path(), p.label()}, p.prediction(), modelVersion)), schema)
                .orderBy(PredictionColumns.PATH);
        if (pc.parquet()) {
            rows.write().parquet(new Path(dir, PARQUET).toString());
        }
        if (pc.csv()) {
            // CSV has no vectors or arrays: their values joined by ';', in the same order. A quote inside a field is
            // doubled (RFC 4180), not backslash-escaped as Spark does by default.
            rows.select(functions.col(PredictionColumns.PATH), functions.col(PredictionColumns.LABEL),
                            functions.col(PredictionColumns.PREDICTION),
                            functions.col(PredictionColumns.PREDICTED_LABEL),
                            joined(PredictionColumns.PROBABILITY, true), joined(PredictionColumns.RAW_PREDICTION, true),
                            joined(PredictionColumns.TOP_LABELS, false),
                            joined(PredictionColumns.TOP_PROBABILITIES, false),
                            functions.col(PredictionColumns.MODEL_VERSION))
                    .write().option("header", "true").option("escape", "\"").csv(new Path(dir, CSV).toString());
        }
    }

    /** Column {@code name}'s values (of a vector, or an array) joined by ';'. */
    private static Column joined(String name, boolean vector) {
        Column values = vector ? org.apache.spark.ml.functions.vector_to_array(functions.col(name), "float64")
                : functions.col(name);
        return functions.array_join(values.cast("array<string>"), ";").as(name);
    }

    private static void writeSummary(FileSystem fs, Path file, Result r, String modelName, String modelVersion,
                                     SavedModel model, long unknownLabels, PredictConfig pc) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", modelName);
        m.put("modelVersion", modelVersion);
        m.put("labels", model.labels().labels());
        m.put("lake", pc.lake());
        m.put("images", r.images());
        m.put("badFiles", r.badFiles());
        m.put("labelledImages", r.labelled());
        m.put("correct", r.correct());
        m.put("accuracy", Double.isNaN(r.accuracy()) ? null : r.accuracy());
        m.put("imagesWithLabelsTheModelDoesNotKnow", unknownLabels);
        m.put("seconds", r.seconds());
        m.put("imagesPerSecond", r.imagesPerSecond());
        m.put("stageSeconds", r.stageSeconds());
        m.put("topK", pc.topK());
        m.put("format", pc.format());
        try (OutputStream out = FileSystems.create(fs, file)) {
            out.write(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(m));
        }
    }
}
