package io.sparkcnn.spark.ml;

import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.data.BadImageException;
import io.sparkcnn.data.ImageDecoder;
import io.sparkcnn.eval.Ranking;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.ModelStore;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.train.Minibatches;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.factory.Nd4j;

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
 * DataFrame on the executors and adds the predicted class id, the class probabilities (a vector, in label
 * index order) and the predicted class name. Saved as Spark ML metadata plus a spark-cnn model folder
 * ({@code data/}, the same as {@code train} writes), so {@link #load} and a persisted Pipeline restore it.
 */
public final class CnnClassifierModel extends Model<CnnClassifierModel> implements MLWritable {
    private final String uid;
    private final transient SavedModel model;
    private final Param<String> imageCol;
    private final Param<String> pathCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> predictedLabelCol;

    CnnClassifierModel(String uid, SavedModel model) {
        this.uid = uid;
        this.model = model;
        imageCol = SharedParams.imageCol(this);
        pathCol = SharedParams.pathCol(this);
        predictionCol = SharedParams.predictionCol(this);
        probabilityCol = SharedParams.probabilityCol(this);
        predictedLabelCol = SharedParams.predictedLabelCol(this);
        setDefault(imageCol, SharedParams.IMAGE);
        setDefault(pathCol, SharedParams.PATH);
        setDefault(predictionCol, SharedParams.PREDICTION);
        setDefault(probabilityCol, SharedParams.PROBABILITY);
        setDefault(predictedLabelCol, SharedParams.PREDICTED_LABEL);
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

    public CnnClassifierModel setImageCol(String v) { set(imageCol, v); return this; }
    public CnnClassifierModel setPathCol(String v) { set(pathCol, v); return this; }
    public CnnClassifierModel setPredictionCol(String v) { set(predictionCol, v); return this; }
    public CnnClassifierModel setProbabilityCol(String v) { set(probabilityCol, v); return this; }
    public CnnClassifierModel setPredictedLabelCol(String v) { set(predictedLabelCol, v); return this; }

    /** The spark-cnn model: network, label index, input shape, normalisation, provenance. */
    public SavedModel savedModel() {
        return model;
    }

    /** The class names, in the order of the probability vector. */
    public List<String> labels() {
        return model.labels().labels();
    }

    static StructType outputSchema(StructType schema, String prediction, String probability, String predictedLabel) {
        for (String c : List.of(prediction, probability, predictedLabel)) {
            if (RowImages.indexOf(schema, c) >= 0) {
                throw new IllegalArgumentException("output column \"" + c + "\" is already in the DataFrame "
                        + Arrays.toString(schema.fieldNames()));
            }
        }
        return schema.add(prediction, DataTypes.DoubleType, false).add(probability, new VectorUDT(), false)
                .add(predictedLabel, DataTypes.StringType, false);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        RowImages.isImageStruct(schema, getOrDefault(imageCol));
        return outputSchema(schema, getOrDefault(predictionCol), getOrDefault(probabilityCol),
                getOrDefault(predictedLabelCol));
    }

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
        Classify classify = new Classify(model.network().spec(), params, shape, model.labels().labels(),
                model.normalisation(), config, image, struct, path);
        JavaRDD<Row> rows = df.toJavaRDD().mapPartitions(classify);
        return spark.createDataFrame(rows, out);
    }

    /** Classifies a partition's rows in minibatches of 256 and appends the three output values to each. */
    private record Classify(io.sparkcnn.model.NetworkSpec spec, Broadcast<float[]> params, InputShape shape,
                            List<String> labels, io.sparkcnn.data.Normalisation normalisation, ImageConfig config,
                            int image, boolean struct, int path)
            implements org.apache.spark.api.java.function.FlatMapFunction<Iterator<Row>, Row> {
        private static final int BATCH = 256;

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            io.sparkcnn.model.Network net = spec.build();
            net.setParams(Nd4j.createFromArray(params.value()));
            ImageDecoder decoder = new ImageDecoder(config);
            List<Row> out = new ArrayList<>();
            List<Row> batch = new ArrayList<>(BATCH);
            while (rows.hasNext()) {
                batch.add(rows.next());
                if (batch.size() == BATCH || !rows.hasNext()) {
                    classify(net, decoder, batch, out);
                    batch.clear();
                }
            }
            return out.iterator();
        }

        private void classify(io.sparkcnn.model.Network net, ImageDecoder decoder, List<Row> batch, List<Row> out) {
            List<float[]> pixels = new ArrayList<>(batch.size());
            for (Row row : batch) {
                String name = RowImages.name(row, image, struct, path);
                try {
                    pixels.add(normalisation.apply(RowImages.decode(row, image, struct, name, config, decoder).pixels()));
                } catch (BadImageException e) {
                    throw new IllegalArgumentException("cannot classify " + name + ": " + e.getMessage(), e);
                }
            }
            float[][] p = net.output(Minibatches.features(pixels, shape)).toFloatMatrix();
            for (int i = 0; i < batch.size(); i++) {
                double[] probs = new double[p[i].length];
                for (int j = 0; j < probs.length; j++) {
                    probs[j] = p[i][j];
                }
                int best = Ranking.argmax(p[i]);
                Row row = batch.get(i);
                Object[] values = new Object[row.size() + 3];
                for (int j = 0; j < row.size(); j++) {
                    values[j] = row.get(j);
                }
                values[row.size()] = (double) best;
                values[row.size() + 1] = Vectors.dense(probs);
                values[row.size() + 2] = labels.get(best);
                out.add(RowFactory.create(values));
            }
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
