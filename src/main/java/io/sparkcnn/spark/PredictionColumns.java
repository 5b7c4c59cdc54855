package io.sparkcnn.spark;

import io.sparkcnn.model.Classifier;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.List;

/**
 * The one schema of a prediction, shared by {@code predict}'s Parquet and CSV output and the Spark ML transform,
 * after Spark ML's probabilistic classifiers: {@code prediction} is the class's index in the model's label index
 * (a double, as StringIndexer numbers labels), {@code probability} and {@code rawPrediction} are vectors over
 * every class in that order, {@code predictedLabel} the class name; then the top k classes and probabilities,
 * most probable first, and the version of the model that answered.
 */
public final class PredictionColumns {
    public static final String PATH = "path";
    public static final String LABEL = "label";
    public static final String PREDICTION = "prediction";
    public static final String PREDICTED_LABEL = "predictedLabel";
    public static final String PROBABILITY = "probability";
    public static final String RAW_PREDICTION = "rawPrediction";
    public static final String TOP_LABELS = "topLabels";
    public static final String TOP_PROBABILITIES = "topProbabilities";
    public static final String MODEL_VERSION = "modelVersion";

    /** The names a caller gives the first four columns (Spark ML lets users rename them). */
    public record Names(String prediction, String predictedLabel, String probability, String rawPrediction) {
        public static final Names DEFAULT = new Names(PREDICTION, PREDICTED_LABEL, PROBABILITY, RAW_PREDICTION);

        public List<String> all() {
            return List.of(prediction, predictedLabel, probability, rawPrediction, TOP_LABELS, TOP_PROBABILITIES,
                    MODEL_VERSION);
        }
    }

    private PredictionColumns() {
    }

    /**
     * {@code schema} with the prediction's columns appended; {@code nullable} when rows that could not be
     * classified keep nulls there (Spark ML's handleInvalid = keep).
     */
    public static StructType append(StructType schema, Names names, boolean nullable) {
        return schema.add(names.prediction(), DataTypes.DoubleType, nullable)
                .add(names.predictedLabel(), DataTypes.StringType, nullable)
                .add(names.probability(), new VectorUDT(), nullable)
                .add(names.rawPrediction(), new VectorUDT(), nullable)
                .add(TOP_LABELS, DataTypes.createArrayType(DataTypes.StringType, false), nullable)
                .add(TOP_PROBABILITIES, DataTypes.createArrayType(DataTypes.DoubleType, false), nullable)
                .add(MODEL_VERSION, DataTypes.StringType, false);
    }

    /**
     * A row of {@code leading} values followed by the appended columns' values for {@code p} (all null but the
     * version when {@code p} is null), as {@link #append} lays them out.
     */
    public static Row row(Object[] leading, Classifier.Prediction p, String modelVersion) {
        Object[] values = java.util.Arrays.copyOf(leading, leading.length + 7);
        int i = leading.length;
        if (p != null) {
            values[i] = (double) p.index();
            values[i + 1] = p.label();
            values[i + 2] = Vectors.dense(p.probability());
            values[i + 3] = Vectors.dense(p.rawPrediction());
            values[i + 4] = p.topLabels();
            values[i + 5] = p.topProbabilities();
        }
        values[i + 6] = modelVersion;
        return RowFactory.create(values);
    }
}
