package io.sparkcnn.spark.ml;

import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The column Params that {@link CnnClassifier} and {@link CnnClassifierModel} both have (Spark copies them from
 * the estimator to its model by name), declared once: name, meaning and default column.
 */
final class SharedParams {
    static final String IMAGE = "image";
    static final String PATH = "path";
    static final String PREDICTION = "prediction";
    static final String PROBABILITY = "probability";
    static final String PREDICTED_LABEL = "predictedLabel";

    private SharedParams() {
    }

    static Param<String> imageCol(Params parent) {
        return new Param<>(parent, "imageCol", "the image column: the image source's struct or binaryFile content");
    }

    static Param<String> pathCol(Params parent) {
        return new Param<>(parent, "pathCol", "with binaryFile content: the path column (names images in errors, "
                + "and the held-out split hashes it); the image struct's origin otherwise");
    }

    static Param<String> predictionCol(Params parent) {
        return new Param<>(parent, "predictionCol", "output: the predicted class id (double)");
    }

    static Param<String> probabilityCol(Params parent) {
        return new Param<>(parent, "probabilityCol", "output: the class probabilities (vector)");
    }

    static Param<String> predictedLabelCol(Params parent) {
        return new Param<>(parent, "predictedLabelCol", "output: the predicted class name");
    }
}
