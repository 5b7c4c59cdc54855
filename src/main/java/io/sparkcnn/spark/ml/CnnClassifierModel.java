package io.sparkcnn.spark.ml;

import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.data.BadImageException;
import io.sparkcnn.data.ImageDecoder;
import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.Normalisation;
import io.sparkcnn.model.Classifier;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.ModelStore;
import io.sparkcnn.model.Network;
import io.sparkcnn.model.NetworkSpec;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.spark.PredictionColumns;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A fitted spark-cnn network as a Spark ML {@link Model}: {@code transform} classifies the image column of a
 * DataFrame on the executors and adds the {@link PredictionColumns}, the same schema {@code predict} writes:
 * the predicted class's index, its name, the probability and raw prediction vectors, the top classes and the
 * model version (this model's uid). Saved as Spark ML metadata plus a spark-cnn model folder
 * ({@code data/}, the same as {@code train} writes), so {@link #load} and a persisted Pipeline restore it.
 */
public final class CnnClassifierModel extends Model<CnnClassifierModel> implements MLWritable {
    /** The top-k columns hold this many classes (or all, when the model has fewer). */
    static final int TOP_K = 5;
    private final String uid;
    private final transient SavedModel model;
    private final Param<String> imageCol;
    private final Param<String> pathCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> predictedLabelCol;
    private final Param<String> rawPredictionCol;
    private final Param<String> handleInvalid;

    CnnClassifierModel(String uid, SavedModel model) {
        this.uid = uid;
        this.model = model;
        imageCol = SharedParams.imageCol(this);
        pathCol = SharedParams.pathCol(this);
        predictionCol = SharedParams.predictionCol(this);
        probabilityCol = SharedParams.probabilityCol(this);
        predictedLabelCol = SharedParams.predictedLabelCol(this);
        rawPredictionCol = SharedParams.rawPredictionCol(this);
        handleInvalid = SharedParams.handleInvalid(this);
        setDefault(imageCol, SharedParams.IMAGE);
        setDefault(pathCol, SharedParams.PATH);
        setDefault(predictionCol, SharedParams.PREDICTION);
        setDefault(probabilityCol, SharedParams.PROBABILITY);
        setDefault(predictedLabelCol, SharedParams.PREDICTED_LABEL);
        setDefault(rawPredictionCol, SharedParams.RAW_PREDICTION);
        setDefault(handleInvalid, "error");
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> imageCol() { return imageCol; }
    public Param<String> pathCol() { return pathCol; }
    public Param<String> predictionCol() { return predictionCol; }
    public Param<String> probabilityCol() { return probabilityCol; }
    public Param<String> predictedLabelCol() { return predictedLabelCol; }
    public Param<String> rawPredictionCol() { return rawPredictionCol; }
    public Param<String> handleInvalid() { return handleInvalid; }

    public CnnClassifierModel setImageCol(String v) { set(imageCol, v); return this; }
    public CnnClassifierModel setPathCol(String v) { set(pathCol, v); return this; }
    public CnnClassifierModel setPredictionCol(String v) { set(predictionCol, v); return this; }
    public CnnClassifierModel setProbabilityCol(String v) { set(probabilityCol, v); return this; }
    public CnnClassifierModel setPredictedLabelCol(String v) { set(predictedLabelCol, v); return this; }
    public CnnClassifierModel setRawPredictionCol(String v) { set(rawPredictionCol, v); return this; }
    public CnnClassifierModel setHandleInvalid(String v) { set(handleInvalid, v); return this; }

    /** The spark-cnn model: network, label index, input shape, normalisation, provenance. */
    public SavedModel savedModel() {
        return model;
    }

    /** The class names, in the order of the probability vector. */
    public List<String> labels() {
        return model.labels().labels();
    }

    private PredictionColumns.Names names() {
        return new PredictionColumns.Names(getOrDefault(predictionCol), getOrDefault(predictedLabelCol),
                getOrDefault(probabilityCol), getOrDefault(rawPredictionCol));
    }

    static StructType outputSchema(StructType schema, PredictionColumns.Names names, boolean nullable) {
        for (String c : names.all()) {
            if (RowImages.indexOf(schema, c) >= 0) {
                throw new IllegalArgumentException("output column \"" + c + "\" is already in the DataFrame "
                        + Arrays.toString(schema.fieldNames()));
            }
        }
        return PredictionColumns.append(schema, names, nullable);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        RowImages.isImageStruct(schema, getOrDefault(imageCol));
        return outputSchema(schema, names(), "keep".equals(getOrDefault(handleInvalid)));
    }

    /**
     * Adds the {@link PredictionColumns} to every row, classifying the image column on the executors partition by
     * partition, a minibatch at a time (rows stream through; a partition is never held whole). The model version
     * on every row is this model's uid.
     */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema(), true);
        Dataset<Row> df = dataset.toDF();
        StructType in = df.schema();
        int image = RowImages.indexOf(in, getOrDefault(imageCol));
        boolean struct = RowImages.isImageStruct(in, getOrDefault(imageCol));
        int path = RowImages.indexOf(in, getOrDefault(pathCol));
        InputShape shape = model.shape();
        ImageConfig config = JobConfigLoader.load(Optional.empty(), List.of("data.image.height=" + shape.height(),
                "data.image.width=" + shape.width(), "data.image.channels=" + shape.channels())).data().image();
        SparkSession spark = df.sparkSession();
        Broadcast<float[]> params = new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext())
                .broadcast(model.network().params().data().asFloat());
        Classify classify = new Classify(model.network().spec(), params, model.shape(), model.labels(),
                model.normalisation(), config, image, struct, path, getOrDefault(handleInvalid), uid);
        JavaRDD<Row> rows = df.toJavaRDD().mapPartitions(classify);
        return spark.createDataFrame(rows, out);
    }

    /** Classifies a partition's rows in minibatches of 256, lazily, and appends the prediction to each. */
    private record Classify(NetworkSpec spec, Broadcast<float[]> params, InputShape shape, LabelIndex labels,
                            Normalisation normalisation, ImageConfig config, int image, boolean struct, int path,
                            String handleInvalid, String version)
            implements FlatMapFunction<Iterator<Row>, Row> {
        private static final int BATCH = 256;
        private static final Logger LOG = LoggerFactory.getLogger(CnnClassifierModel.class);

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            Network net = spec.build();
            net.setParams(Nd4j.createFromArray(params.value()));
            Classifier classifier = new Classifier(net, labels, shape, normalisation, TOP_K);
            ImageDecoder decoder = new ImageDecoder(config);
            return new Iterator<>() {
                private Iterator<Row> batch = java.util.Collections.emptyIterator();

                @Override
                public boolean hasNext() {
                    while (!batch.hasNext() && rows.hasNext()) {
                        batch = classify(classifier, decoder, rows).iterator();
                    }
                    return batch.hasNext();
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new java.util.NoSuchElementException();
                    }
                    return batch.next();
                }
            };
        }

        /** The next minibatch of rows, classified: undecodable ones dropped, kept with nulls, or an error. */
        private List<Row> classify(Classifier classifier, ImageDecoder decoder, Iterator<Row> rows) {
            List<Row> batch = new ArrayList<>(BATCH);
            List<float[]> pixels = new ArrayList<>(BATCH);
            List<Integer> decodedAt = new ArrayList<>(BATCH);
            while (batch.size() < BATCH && rows.hasNext()) {
                Row row = rows.next();
                String name = RowImages.name(row, image, struct, path);
                try {
                    pixels.add(RowImages.decode(row, image, struct, name, config, decoder).pixels());
                    decodedAt.add(batch.size());
                } catch (BadImageException e) {
                    switch (handleInvalid) {
                        case "skip" -> {
                            LOG.warn("handleInvalid = skip: dropped {}: {}", name, e.getMessage());
                            continue;
                        }
                        case "keep" -> LOG.warn("handleInvalid = keep: no prediction for {}: {}", name, e.getMessage());
                        default -> throw new IllegalArgumentException("cannot classify " + name + ": " + e.getMessage()
                                + " (set handleInvalid to skip or keep such rows)", e);
                    }
                }
                batch.add(row);
            }
            Classifier.Prediction[] predictions = new Classifier.Prediction[batch.size()];
            if (!pixels.isEmpty()) {
                List<Classifier.Prediction> answered = classifier.classify(pixels);
                for (int i = 0; i < answered.size(); i++) {
                    predictions[decodedAt.get(i)] = answered.get(i);
                }
            }
            List<Row> out = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                Row row = batch.get(i);
                Object[] own = new Object[row.size()];
                for (int j = 0; j < own.length; j++) {
                    own[j] = row.get(j);
                }
                out.add(PredictionColumns.row(own, predictions[i], version));
            }
            return out;
        }
    }

    @Override
    public CnnClassifierModel copy(ParamMap extra) {
        return copyValues(new CnnClassifierModel(uid, model), extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    public static MLReader<CnnClassifierModel> read() {
        return new Reader();
    }

    public static CnnClassifierModel load(String path) {
        return read().load(path);
    }

    /** Spark ML's metadata (uid, params) and the spark-cnn model folder under {@code data/}. */
    private static final class Writer extends MLWriter {
        private final CnnClassifierModel instance;

        Writer(CnnClassifierModel instance) {
            this.instance = instance;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(instance, path, sparkSession().sparkContext(), scala.Option.empty(),
                    scala.Option.empty());
            try {
                ModelStore.write(instance.model, Map.of(), path + "/data", shouldOverwrite(),
                        sparkSession().sparkContext().hadoopConfiguration());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the model to " + path + "/data", e);
            }
        }
    }

    private static final class Reader extends MLReader<CnnClassifierModel> {
        @Override
        public CnnClassifierModel load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sparkSession().sparkContext(),
                    CnnClassifierModel.class.getName());
            SavedModel model;
            try {
                model = ModelStore.read(path + "/data", sparkSession().sparkContext().hadoopConfiguration());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the model at " + path + "/data", e);
            }
            CnnClassifierModel m = new CnnClassifierModel(metadata.uid(), model);
            metadata.getAndSetParams(m, scala.Option.empty());
            return m;
        }
    }
}
