package io.sparkcnn.spark.ml;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.config.Settings;
import io.sparkcnn.model.ModelStore;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.spark.PredictionColumns;
import io.sparkcnn.spark.job.TrainJob;
import io.sparkcnn.spark.training.Checkpoints;
import io.sparkcnn.spark.training.FaultInjector;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * spark-cnn as a Spark ML {@link Estimator}: fits a CNN by spark-cnn's parameter averaging on a DataFrame of
 * labelled images (Spark's {@code image} source, or {@code binaryFile} with a path column) and returns a
 * {@link CnnClassifierModel}. The common training settings are Params; any other spark-cnn key goes in
 * {@link #settings()} as {@code key=value}. Persisted with Spark ML's writer and reader, so a Pipeline
 * holding it can be saved and loaded.
 */
public final class CnnClassifier extends Estimator<CnnClassifierModel> implements DefaultParamsWritable {
    private static final Logger LOG = LoggerFactory.getLogger(CnnClassifier.class);
    private final String uid;
    private final Param<String> imageCol;
    private final Param<String> labelCol;
    private final Param<String> pathCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> predictedLabelCol;
    private final Param<String> rawPredictionCol;
    private final Param<String> handleInvalid;
    private final Param<String> outputDir;
    private final BooleanParam resume;
    private final Param<String> architecture;
    private final IntParam epochs;
    private final IntParam batchSizePerWorker;
    private final DoubleParam learningRate;
    private final DoubleParam heldOutFraction;
    private final LongParam seed;
    private final IntParam imageHeight;
    private final IntParam imageWidth;
    private final IntParam imageChannels;
    private final StringArrayParam settings;

    public CnnClassifier() {
        this(org.apache.spark.ml.util.Identifiable$.MODULE$.randomUID("cnnClassifier"));
    }

    public CnnClassifier(String uid) {
        this.uid = uid;
        imageCol = SharedParams.imageCol(this);
        labelCol = new Param<>(this, "labelCol", "the label column (class names; cast to string)");
        pathCol = SharedParams.pathCol(this);
        predictionCol = SharedParams.predictionCol(this);
        probabilityCol = SharedParams.probabilityCol(this);
        predictedLabelCol = SharedParams.predictedLabelCol(this);
        rawPredictionCol = SharedParams.rawPredictionCol(this);
        handleInvalid = SharedParams.handleInvalid(this);
        outputDir = new Param<>(this, "outputDir", "where fit also writes what the train job writes: "
                + "<outputDir>/model (the model folder with report.html), and a registry version when registry.dir "
                + "is set in settings, and checkpoints to <outputDir>/checkpoints while it trains; empty (the "
                + "default): fit writes nothing");
        resume = new BooleanParam(this, "resume", "with outputDir: continue an interrupted fit from the newest intact "
                + "checkpoint there (the settings that change the result and the rows must be the same)");
        architecture = SharedParams.of(this, "architecture", Settings.MODEL_ARCHITECTURE);
        epochs = SharedParams.ofInt(this, "epochs", Settings.TRAIN_EPOCHS);
        batchSizePerWorker = SharedParams.ofInt(this, "batchSizePerWorker", Settings.TRAIN_BATCH_SIZE_PER_WORKER);
        learningRate = SharedParams.ofDouble(this, "learningRate", Settings.TRAIN_LEARNING_RATE);
        heldOutFraction = SharedParams.ofDouble(this, "heldOutFraction", Settings.DATA_HELD_OUT_FRACTION);
        seed = SharedParams.ofLong(this, "seed", Settings.SEED);
        imageHeight = SharedParams.ofInt(this, "imageHeight", Settings.IMAGE_HEIGHT);
        imageWidth = SharedParams.ofInt(this, "imageWidth", Settings.IMAGE_WIDTH);
        imageChannels = SharedParams.ofInt(this, "imageChannels", Settings.IMAGE_CHANNELS);
        settings = new StringArrayParam(this, "settings", "any other spark-cnn setting as key=value");
        setDefault(imageCol, SharedParams.IMAGE);
        setDefault(labelCol, "label");
        setDefault(pathCol, SharedParams.PATH);
        setDefault(predictionCol, SharedParams.PREDICTION);
        setDefault(probabilityCol, SharedParams.PROBABILITY);
        setDefault(predictedLabelCol, SharedParams.PREDICTED_LABEL);
        setDefault(rawPredictionCol, SharedParams.RAW_PREDICTION);
        setDefault(handleInvalid, "error");
        setDefault(outputDir, "");
        setDefault(resume, false);
        setDefault(architecture, Settings.MODEL_ARCHITECTURE.defaultValue());
        setDefault(epochs, Settings.TRAIN_EPOCHS.defaultValue());
        setDefault(batchSizePerWorker, Settings.TRAIN_BATCH_SIZE_PER_WORKER.defaultValue());
        setDefault(learningRate, Settings.TRAIN_LEARNING_RATE.defaultValue());
        setDefault(heldOutFraction, Settings.DATA_HELD_OUT_FRACTION.defaultValue());
        setDefault(seed, Settings.SEED.defaultValue());
        setDefault(imageHeight, Settings.IMAGE_HEIGHT.defaultValue());
        setDefault(imageWidth, Settings.IMAGE_WIDTH.defaultValue());
        setDefault(imageChannels, Settings.IMAGE_CHANNELS.defaultValue());
        setDefault(settings, new String[0]);
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> imageCol() { return imageCol; }
    public Param<String> labelCol() { return labelCol; }
    public Param<String> pathCol() { return pathCol; }
    public Param<String> predictionCol() { return predictionCol; }
    public Param<String> probabilityCol() { return probabilityCol; }
    public Param<String> predictedLabelCol() { return predictedLabelCol; }
    public Param<String> rawPredictionCol() { return rawPredictionCol; }
    /** Fit: error stops on an undecodable image (as data.badFiles.policy = fail); skip and keep leave it out. */
    public Param<String> handleInvalid() { return handleInvalid; }
    public Param<String> outputDir() { return outputDir; }
    public BooleanParam resume() { return resume; }
    public Param<String> architecture() { return architecture; }
    public IntParam epochs() { return epochs; }
    public IntParam batchSizePerWorker() { return batchSizePerWorker; }
    public DoubleParam learningRate() { return learningRate; }
    public DoubleParam heldOutFraction() { return heldOutFraction; }
    public LongParam seed() { return seed; }
    public IntParam imageHeight() { return imageHeight; }
    public IntParam imageWidth() { return imageWidth; }
    public IntParam imageChannels() { return imageChannels; }
    public StringArrayParam settings() { return settings; }

    public CnnClassifier setImageCol(String v) { set(imageCol, v); return this; }
    public CnnClassifier setLabelCol(String v) { set(labelCol, v); return this; }
    public CnnClassifier setPathCol(String v) { set(pathCol, v); return this; }
    public CnnClassifier setPredictionCol(String v) { set(predictionCol, v); return this; }
    public CnnClassifier setProbabilityCol(String v) { set(probabilityCol, v); return this; }
    public CnnClassifier setPredictedLabelCol(String v) { set(predictedLabelCol, v); return this; }
    public CnnClassifier setRawPredictionCol(String v) { set(rawPredictionCol, v); return this; }
    public CnnClassifier setHandleInvalid(String v) { set(handleInvalid, v); return this; }
    public CnnClassifier setOutputDir(String v) { set(outputDir, v); return this; }
    public CnnClassifier setResume(boolean v) { set(resume, v); return this; }
    public CnnClassifier setArchitecture(String v) { set(architecture, v); return this; }
    public CnnClassifier setEpochs(int v) { set(epochs, v); return this; }
    public CnnClassifier setBatchSizePerWorker(int v) { set(batchSizePerWorker, v); return this; }
    public CnnClassifier setLearningRate(double v) { set(learningRate, v); return this; }
    public CnnClassifier setHeldOutFraction(double v) { set(heldOutFraction, v); return this; }
    public CnnClassifier setSeed(long v) { set(seed, v); return this; }
    public CnnClassifier setImageHeight(int v) { set(imageHeight, v); return this; }
    public CnnClassifier setImageWidth(int v) { set(imageWidth, v); return this; }
    public CnnClassifier setImageChannels(int v) { set(imageChannels, v); return this; }
    public CnnClassifier setSettings(String... v) { set(settings, v); return this; }

    /** The spark-cnn job configuration these Params make (validated, so a bad value names its key). */
    JobConfig jobConfig() {
        List<String> overrides = new ArrayList<>(List.of(
                "model.architecture=" + $(architecture), "train.epochs=" + $(epochs),
                "train.batchSizePerWorker=" + $(batchSizePerWorker), "train.learningRate=" + $(learningRate),
                "data.heldOutFraction=" + $(heldOutFraction), "seed=" + $(seed),
                "data.image.height=" + $(imageHeight), "data.image.width=" + $(imageWidth),
                "data.image.channels=" + $(imageChannels)));
        // Undecodable images in fit: bad files, counted and listed; error stops at the first one.
        overrides.add("data.badFiles.policy=" + ("error".equals($(handleInvalid)) ? "fail" : "skip"));
        if (!$(outputDir).isBlank()) {
            overrides.add("output.dir=" + $(outputDir));
        }
        overrides.addAll(Arrays.asList(getOrDefault(settings)));
        return JobConfigLoader.load(Optional.empty(), overrides);
    }

    @Override
    public CnnClassifierModel fit(Dataset<?> dataset) {
        return fit(dataset, FaultInjector.fromEnvironment());
    }

    /** {@link #fit(Dataset)} with faults injected into its training tasks (tests, fault drills). */
    CnnClassifierModel fit(Dataset<?> dataset, FaultInjector faults) {
        transformSchema(dataset.schema(), true);
        SparkSession spark = dataset.sparkSession();
        JobConfig job = jobConfig();
        boolean writes = !$(outputDir).isBlank();
        try {
            DataFrameTraining.Checkpointed checkpointed = writes ? prepareOutput(spark, job, faults)
                    : new DataFrameTraining.Checkpointed(null, false, faults);
            DataFrameTraining.Fitted trained = DataFrameTraining.fit(spark, dataset.toDF(), job, $(imageCol),
                    $(labelCol), $(pathCol), checkpointed);
            if (writes) {
                TrainJob.Result written = TrainJob.writeTrained(spark, job, trained.model(), trained.training(),
                        "spark-cnn CnnClassifier.fit: " + job.train().architectureName(), false);
                // The model is complete: a later fit must not resume these.
                checkpointed.store().deleteAll();
                LOG.info("CnnClassifier.fit wrote {}{}", written.location(),
                        written.registered().map(v -> "; registry: " + job.registry().model() + " " + v).orElse(""));
            }
            CnnClassifierModel fitted = new CnnClassifierModel(uid, trained.model());
            return copyValues(fitted, extractParamMap()).setParent(this);
        } catch (ModelStore.ModelExistsException e) {
            throw new IllegalArgumentException("outputDir: " + $(outputDir) + " already holds a model; choose "
                    + "another outputDir (a fit never replaces a model)", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to outputDir " + $(outputDir), e);
        }
    }

    /**
     * Before training: no model may be at outputDir/model, and the checkpoints of an unfinished fit there are
     * continued only when asked ({@link #resume()}).
     */
    private DataFrameTraining.Checkpointed prepareOutput(SparkSession spark, JobConfig job, FaultInjector faults)
            throws IOException {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        ModelStore.requireAbsent(job.outputDir() + "/" + TrainJob.MODEL_DIR, hadoop);
        Checkpoints store = new Checkpoints(job.outputDir() + "/" + TrainJob.CHECKPOINTS_DIR, job.checkpoint().keep(),
                hadoop);
        boolean resuming = (Boolean) getOrDefault(resume);
        if (store.exist() && !resuming) {
            throw new IllegalArgumentException("outputDir: " + store.location() + " holds the checkpoints of an "
                    + "unfinished fit; setResume(true) continues it, or choose another outputDir");
        }
        return new DataFrameTraining.Checkpointed(store, resuming, faults);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        RowImages.isImageStruct(schema, $(imageCol));
        if (RowImages.indexOf(schema, $(labelCol)) < 0) {
            throw new IllegalArgumentException("label column \"" + $(labelCol) + "\" is not in the DataFrame "
                    + Arrays.toString(schema.fieldNames()) + "; set labelCol");
        }
        return CnnClassifierModel.outputSchema(schema, new PredictionColumns.Names($(predictionCol),
                $(predictedLabelCol), $(probabilityCol), $(rawPredictionCol)), "keep".equals($(handleInvalid)));
    }

    @Override
    public CnnClassifier copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<CnnClassifier> read() {
        return new DefaultParamsReader<>();
    }

    public static CnnClassifier load(String path) {
        return read().load(path);
    }

}
