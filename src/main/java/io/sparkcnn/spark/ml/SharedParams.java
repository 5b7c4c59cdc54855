package io.sparkcnn.spark.ml;

import io.sparkcnn.config.Setting;
import io.sparkcnn.spark.PredictionColumns;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import scala.Function1;

import java.io.Serializable;

/**
 * The column Params that {@link CnnClassifier} and {@link CnnClassifierModel} both have (Spark copies them from
 * the estimator to its model by name), declared once: name, meaning and default column.
 */
final class SharedParams {
    static final String IMAGE = "image";
    static final String PATH = "path";
    static final String PREDICTION = PredictionColumns.PREDICTION;
    static final String PROBABILITY = PredictionColumns.PROBABILITY;
    static final String PREDICTED_LABEL = PredictionColumns.PREDICTED_LABEL;
    static final String RAW_PREDICTION = PredictionColumns.RAW_PREDICTION;

    private SharedParams() {
    }

    /** A Param for a spark-cnn setting: its meaning and validation are the setting's own declaration's. */
    static Param<String> of(Params parent, String name, Setting<String> setting) {
        return new Param<>(parent, name, doc(setting), valid(setting::accepts));
    }

    static IntParam ofInt(Params parent, String name, Setting<Integer> setting) {
        return new IntParam(parent, name, doc(setting), valid(v -> setting.accepts((Integer) v)));
    }

    static DoubleParam ofDouble(Params parent, String name, Setting<Double> setting) {
        return new DoubleParam(parent, name, doc(setting), valid(v -> setting.accepts((Double) v)));
    }

    static LongParam ofLong(Params parent, String name, Setting<Long> setting) {
        return new LongParam(parent, name, doc(setting), valid(v -> setting.accepts((Long) v)));
    }

    private static String doc(Setting<?> setting) {
        return setting.key() + ": " + setting.doc() + " Allowed: " + setting.allowed() + ".";
    }

    /** Spark keeps Params' validators in serialisable objects. */
    private interface Check<T> extends Serializable {
        boolean test(T value);
    }

    @SuppressWarnings("unchecked")
    private static <T> Function1<T, Object> valid(Check<T> check) {
        return (Function1<T, Object> & Serializable) check::test;
    }

    static Param<String> imageCol(Params parent) {
        return new Param<>(parent, "imageCol", "the image column: the image source's struct or binaryFile content");
    }

    static Param<String> pathCol(Params parent) {
        return new Param<>(parent, "pathCol", "with binaryFile content: the path column (names images in errors, "
                + "and the held-out split hashes it); the image struct's origin otherwise");
    }

    static Param<String> predictionCol(Params parent) {
        return new Param<>(parent, "predictionCol", "output: the predicted class's index in the label index (double)");
    }

    static Param<String> probabilityCol(Params parent) {
        return new Param<>(parent, "probabilityCol", "output: the probability of every class, in label index order "
                + "(vector)");
    }

    static Param<String> rawPredictionCol(Params parent) {
        return new Param<>(parent, "rawPredictionCol", "output: the natural logarithm of probability (vector)");
    }

    static Param<String> handleInvalid(Params parent) {
        return new Param<>(parent, "handleInvalid", "what to do with a row whose image cannot be decoded: error "
                + "(fail, naming it), skip (drop the row; each is logged with its reason), keep (keep it with null "
                + "prediction columns)", valid(v -> HANDLE_INVALID.contains(v)));
    }

    static final java.util.List<String> HANDLE_INVALID = java.util.List.of("error", "skip", "keep");

    static Param<String> predictedLabelCol(Params parent) {
        return new Param<>(parent, "predictedLabelCol", "output: the predicted class name");
    }
}
