package io.sparkcnn.serve;

import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.model.Classifier;
import io.sparkcnn.model.SavedModel;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A loaded model as serve answers with it: its name, the version every response names, the model, and how an
 * uploaded image is decoded for it (the model's input size and channels, the job's resize policy).
 */
public record ServedModel(String name, String version, SavedModel model, ImageConfig image) {
    /** A classifier on a replica of the network of its own (a network is not safe to share between threads). */
    Classifier classifier(int topK) {
        return Classifier.of(model.network().replica(), model, topK);
    }

    /** Values per image: channels x height x width. */
    int imageSize() {
        return model.shape().size();
    }

    /** The Open Inference Protocol's model metadata, with the labels in index order. */
    Map<String, Object> metadata() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("versions", List.of(version));
        m.put("platform", "spark-cnn");
        m.put("inputs", List.of(Map.of("name", "input", "datatype", "FP32", "shape", List.of(-1,
                model.shape().channels(), model.shape().height(), model.shape().width()))));
        m.put("outputs", List.of(Map.of("name", "probability", "datatype", "FP32", "shape",
                List.of(-1, model.labels().size())), Map.of("name", "label", "datatype", "BYTES", "shape", List.of(-1))));
        m.put("parameters", Map.of("labels", model.labels().labels(), "input",
                "decoded pixels in [0, 1], channels x height x width; the server normalises them as training did"));
        return m;
    }
}
