package io.sparkcnn.model;

import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.Settings;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.data.LabelIndex;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A trained network made the start of a new training run (model.init): its output layer replaced when the
 * lake's classes differ (the weights of the classes both know carried over by name), the layers up to
 * model.freeze frozen, and the job's optimiser (train.*) in place of the one it was trained with.
 */
public final class FineTuning {
    private FineTuning() {
    }

    /** Where a fine-tuned run starts: its configuration and parameters, and what it was made from. */
    public record Start(NetworkSpec spec, float[] params, String description) {
    }

    /** A trained network and what it knows about itself: class names and input shape (empty for a DL4J zip). */
    public record Source(Network network, Optional<LabelIndex> labels, Optional<InputShape> shape, String from) {
        public static Source of(SavedModel model, String from) {
            return new Source(model.network(), Optional.of(model.labels()), Optional.of(model.shape()), from);
        }

        /** A DL4J model zip (ModelSerializer's format), a layer stack or a graph. */
        public static Source ofZip(byte[] zip, String from) {
            try {
                boolean graph = configuration(zip).contains("\"vertices\"");
                Network network = graph
                        ? Network.of(ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(zip), false))
                        : Network.of(ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(zip), false));
                return new Source(network, Optional.empty(), Optional.empty(), from);
            } catch (IOException | RuntimeException e) {
                throw new ConfigException(Settings.MODEL_INIT.key(), from + " is not a readable DL4J model zip: " + e);
            }
        }

        private static String configuration(byte[] zip) throws IOException {
            try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(new ByteArrayInputStream(zip))) {
                for (java.util.zip.ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    if (e.getName().equals("configuration.json")) {
                        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    }
                }
            }
            throw new IOException("no configuration.json in the zip");
        }
    }

    /**
     * The start of a run that fine-tunes {@code source} on a lake of {@code shape} images and {@code labels}.
     *
     * @param freeze the last layer to freeze (model.freeze), or empty
     */
    public static Start prepare(Source source, InputShape shape, LabelIndex labels, TrainConfig train, long seed,
                                String freeze) {
        source.shape().ifPresent(s -> {
            if (!s.equals(shape)) {
                throw new ConfigException(Settings.MODEL_INIT.key(), source.from() + " takes " + s.describe()
                        + " images, the lake's are read as " + shape.describe() + " (data.image.*)");
            }
        });
        FineTuneConfiguration tune = new FineTuneConfiguration.Builder()
                .seed(seed)
                .updater(Architectures.updater(train.optimiser(), train.epochs()))
                .build();
        List<String> notes = new ArrayList<>();
        Network tuned;
        if (source.network().dl4j() instanceof MultiLayerNetwork layers) {
            int last = layers.getnLayers() - 1;
            TransferLearning.Builder b = new TransferLearning.Builder(layers).fineTuneConfiguration(tune);
            boolean replace = replaceOutput(source, labels, layers.getLayer(last).getParam("W").size(1), notes);
            if (replace) {
                b.nOutReplace(last, labels.size(), WeightInit.XAVIER);
            }
            if (!freeze.isEmpty()) {
                b.setFeatureExtractor(layerIndex(layers, freeze));
                notes.add("layers 0 to " + freeze + " frozen");
            }
            MultiLayerNetwork out = b.build();
            if (replace) {
                carryOver(source, labels, layers.getLayer(last).getParam("W"), layers.getLayer(last).getParam("b"),
                        out.getLayer(last).getParam("W"), out.getLayer(last).getParam("b"));
            }
            MultiLayerConfiguration conf = out.getLayerWiseConfigurations();
            conf.getConfs().forEach(c -> Architectures.onceEach(c.getLayer()));
            tuned = Network.of(out);
        } else {
            ComputationGraph graph = (ComputationGraph) source.network().dl4j();
            String output = graph.getConfiguration().getNetworkOutputs().get(0);
            TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(graph).fineTuneConfiguration(tune);
            INDArray oldW = graph.getLayer(output).getParam("W");
            INDArray oldB = graph.getLayer(output).getParam("b");
            boolean replace = replaceOutput(source, labels, oldW.size(1), notes);
            if (replace) {
                b.nOutReplace(output, labels.size(), WeightInit.XAVIER);
            }
            if (!freeze.isEmpty()) {
                if (!(graph.getConfiguration().getVertices().get(freeze) instanceof LayerVertex)) {
                    throw new ConfigException(Settings.MODEL_FREEZE.key(), "no layer named \"" + freeze + "\" in "
                            + source.from() + "; its layers: " + layerNames(graph.getConfiguration()));
                }
                if (freeze.equals(output)) {
                    throw new ConfigException(Settings.MODEL_FREEZE.key(), freeze + " is the output layer: nothing "
                            + "would train");
                }
                b.setFeatureExtractor(freeze);
                notes.add("layers up to " + freeze + " frozen");
            }
            ComputationGraph out = b.build();
            if (replace) {
                carryOver(source, labels, oldW, oldB, out.getLayer(output).getParam("W"),
                        out.getLayer(output).getParam("b"));
            }
            out.getConfiguration().getVertices().values().forEach(v -> {
                if (v instanceof LayerVertex layer) {
                    Architectures.onceEach(layer.getLayerConf().getLayer());
                }
            });
            tuned = Network.of(out);
        }
        return new Start(tuned.spec(), tuned.params().dup().data().asFloat(),
                source.from() + (notes.isEmpty() ? "" : " (" + String.join("; ", notes) + ")"));
    }

    /** Whether the output layer must be replaced for {@code labels}; notes what carries over. */
    private static boolean replaceOutput(Source source, LabelIndex labels, long outputs, List<String> notes) {
        if (source.labels().isPresent() && source.labels().get().labels().equals(labels.labels())) {
            return false;
        }
        if (source.labels().isEmpty()) {
            notes.add("output layer replaced for " + labels.size() + " classes (a DL4J zip names no classes; it had "
                    + outputs + " outputs)");
        } else {
            List<String> kept = new ArrayList<>(labels.labels());
            kept.retainAll(source.labels().get().labels());
            notes.add("output layer replaced for " + labels.size() + " classes, " + kept.size()
                    + " carried over by name " + kept);
        }
        return true;
    }

    /** The new output layer's columns of the classes the source also knows: the source's weights for them. */
    private static void carryOver(Source source, LabelIndex labels, INDArray oldW, INDArray oldB, INDArray newW,
                                  INDArray newB) {
        if (source.labels().isEmpty()) {
            return;
        }
        LabelIndex old = source.labels().get();
        for (int j = 0; j < labels.size(); j++) {
            int from = old.labels().indexOf(labels.label(j));
            if (from >= 0) {
                newW.getColumn(j).assign(oldW.getColumn(from));
                newB.putScalar(j, oldB.getFloat(from));
            }
        }
    }

    private static int layerIndex(MultiLayerNetwork layers, String name) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < layers.getnLayers(); i++) {
            String n = layers.getLayer(i).conf().getLayer().getLayerName();
            names.add(n);
            if (name.equals(n) || name.equals(String.valueOf(i))) {
                if (i == layers.getnLayers() - 1) {
                    throw new ConfigException(Settings.MODEL_FREEZE.key(), name + " is the output layer: nothing "
                            + "would train");
                }
                return i;
            }
        }
        throw new ConfigException(Settings.MODEL_FREEZE.key(), "no layer \"" + name + "\"; the layers are 0 to "
                + (layers.getnLayers() - 1) + ", named " + names);
    }

    private static List<String> layerNames(ComputationGraphConfiguration conf) {
        List<String> names = new ArrayList<>();
        conf.getVertices().forEach((name, v) -> {
            if (v instanceof LayerVertex) {
                names.add(name);
            }
        });
        return names;
    }
}
