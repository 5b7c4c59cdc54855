package io.sparkcnn.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkcnn.data.FileSystems;
import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.Normalisation;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Writes and reads a model folder on any Hadoop FileSystem: {@code model.zip} (DL4J's ModelSerializer,
 * updater state included, so training can resume), {@code model.json} (label index, input shape,
 * normalisation, provenance, metrics) and a {@code _SUCCESS} marker. The folder is written under a hidden
 * temporary name and renamed, so a reader never sees a half-written model; an existing model is only
 * replaced when asked to.
 */
public final class ModelStore {
    public static final String NETWORK = "model.zip";
    public static final String INFO = "model.json";
    public static final String MARKER = "_SUCCESS";
    /** model.json's "network": which DL4J class model.zip holds. */
    private static final String LAYERS = "multi-layer-network";
    private static final String GRAPH = "computation-graph";

    private ModelStore() {
    }

    /** Writes {@code model} and extra files (name to content) to {@code dir}; returns the qualified location. */
    public static String write(SavedModel model, Map<String, byte[]> extraFiles, String dir, boolean overwrite,
                               Configuration conf) throws IOException {
        Path target = FileSystems.qualified(dir, conf);
        FileSystem fs = FileSystems.of(target, conf);
        if (!overwrite) {
            requireAbsent(dir, conf);
        }
        Path tmp = new Path(target.getParent(), "." + target.getName() + "-" + UUID.randomUUID() + ".tmp");
        fs.mkdirs(tmp);
        try (OutputStream out = FileSystems.create(fs, new Path(tmp, NETWORK))) {
            ModelSerializer.writeModel(model.network().dl4j(), out, true);
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("network", model.network().isGraph() ? GRAPH : LAYERS);
        info.put("labels", model.labels().labels());
        info.put("inputShape", Map.of("channels", model.shape().channels(), "height", model.shape().height(),
                "width", model.shape().width()));
        info.put("normalisation", Map.of("mean", model.normalisation().mean(), "std", model.normalisation().std()));
        info.putAll(model.provenance().toJson());
        try (OutputStream out = FileSystems.create(fs, new Path(tmp, INFO))) {
            out.write(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(info));
        }
        for (Map.Entry<String, byte[]> e : extraFiles.entrySet()) {
            try (OutputStream out = FileSystems.create(fs, new Path(tmp, e.getKey()))) {
                out.write(e.getValue());
            }
        }
        try (OutputStream out = FileSystems.create(fs, new Path(tmp, MARKER))) {
            out.write(new byte[0]);
        }
        if (fs.exists(target)) {
            // Set the old model aside before the new one takes its name, and delete it only then: a crash in
            // between leaves the old model complete under the hidden name, never neither of them.
            Path aside = new Path(target.getParent(), "." + target.getName() + "-replaced-" + UUID.randomUUID());
            FileSystems.rename(fs, target, aside);
            FileSystems.rename(fs, tmp, target);
            fs.delete(aside, true);
        } else {
            FileSystems.rename(fs, tmp, target);
        }
        return target.toString();
    }

    /** Fails with a {@link ModelExistsException} when something is already at {@code dir}. */
    public static void requireAbsent(String dir, Configuration conf) throws IOException {
        Path target = FileSystems.qualified(dir, conf);
        if (FileSystems.of(target, conf).exists(target)) {
            throw new ModelExistsException(target.toString());
        }
    }

    /** Reads a complete model folder; an incomplete one (no marker) is an error naming it. */
    @SuppressWarnings("unchecked")
    public static SavedModel read(String dir, Configuration conf) throws IOException {
        Path root = FileSystems.qualified(dir, conf);
        FileSystem fs = FileSystems.of(root, conf);
        if (!fs.exists(new Path(root, MARKER))) {
            throw new IOException(root + " is not a complete spark-cnn model (no " + MARKER + " marker)");
        }
        Map<String, Object> info;
        try (InputStream in = fs.open(new Path(root, INFO))) {
            info = new ObjectMapper().readValue(new String(in.readAllBytes(), StandardCharsets.UTF_8), Map.class);
        }
        Network network;
        try (InputStream in = fs.open(new Path(root, NETWORK))) {
            network = GRAPH.equals(info.get("network"))
                    ? Network.of(ModelSerializer.restoreComputationGraph(in, true))
                    : Network.of(ModelSerializer.restoreMultiLayerNetwork(in, true));
        } catch (IOException | RuntimeException e) {
            throw new IOException(new Path(root, NETWORK) + " cannot be read (truncated, or not a DL4J model "
                    + "file?): " + e, e);
        }
        Map<String, Integer> shape = (Map<String, Integer>) info.get("inputShape");
        Map<String, List<Number>> norm = (Map<String, List<Number>>) info.get("normalisation");
        double[] mean = norm.get("mean").stream().mapToDouble(Number::doubleValue).toArray();
        double[] std = norm.get("std").stream().mapToDouble(Number::doubleValue).toArray();
        return new SavedModel(network, LabelIndex.inOrder((List<String>) info.get("labels")),
                new InputShape(shape.get("channels"), shape.get("height"), shape.get("width")),
                mean.length == 0 ? Normalisation.unit() : Normalisation.standardise(mean, std),
                Provenance.fromJson(info));
    }

    /** An existing model would be replaced. */
    public static final class ModelExistsException extends IOException {
        public ModelExistsException(String location) {
            super("a model already exists at " + location + "; choose another output.dir or pass --overwrite");
        }
    }
}
