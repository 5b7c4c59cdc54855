package io.sparkcnn.config;

import java.io.Serializable;

/** What predict classifies, where it writes, how many labels per image and in which format. */
public record PredictConfig(String lake, String output, int topK, String format) implements Serializable {
    public PredictConfig {
        Settings.PREDICT_LAKE.check(lake);
        Settings.PREDICT_OUTPUT.check(output);
        Settings.PREDICT_TOP_K.check(topK);
        Settings.PREDICT_FORMAT.check(format);
    }

    /** The lake, or a configuration error naming the key when none is set. */
    public String requireLake() {
        if (lake.isBlank()) {
            throw new ConfigException(Settings.PREDICT_LAKE.key(), "is empty; set it to the images to classify, e.g. "
                    + "--lake hdfs:///lakes/incoming");
        }
        return lake;
    }

    /** The output folder: predict.output, or {@code <outputDir>/predictions}. */
    public String outputOr(String outputDir) {
        return output.isBlank() ? outputDir + "/predictions" : output;
    }

    public boolean parquet() {
        return !format.equals("csv");
    }

    public boolean csv() {
        return !format.equals("parquet");
    }
}
