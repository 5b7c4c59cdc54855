package io.sparkcnn.kernels;

import io.sparkcnn.config.Settings;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Field;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Puts faster CPU implementations into a DL4J network's layers, through the helper slot DL4J reserves for
 * cuDNN and oneDNN: {@link Im2colConvolution} for convolutions, {@link MaxPooling} for max pooling and
 * {@link BatchNormKernel} for batch normalisation; and {@link DenseReLU}'s gradient for ReLU layers. In a
 * MultiLayerNetwork it also puts layer objects of its own in place of DL4J's: {@link FusedConvolutionLayer} (bias and ReLU inside the convolution),
 * {@link HelpedSubsamplingLayer} (pooling forward through the helper too) and {@link FusedOutputLayer} (softmax
 * cross-entropy in three OpenBLAS products), links a ReLU convolution to the 2x2 max pooling right after it
 * ({@link FusedMaxPooling}), and gives the network a {@link CpuUpdater} (Adam in Java, no per-step views of
 * every parameter). ComputationGraphs get the helpers, the fused convolution and pooling layers and a
 * {@link CpuGraphUpdater}. Both get {@link DepthwiseConvolutionLayer} in place of DL4J's depthwise layers and
 * {@link ReLULayer} in place of ReLU activation layers where oneDNN is available, and graphs {@link AddVertex}
 * in place of their residual adds.
 *
 * <p>Why by hand: DL4J 1.0.0-M2.1 looks its oneDNN helpers up through a class name that does not exist in
 * that release ({@code org.nd4j.nativeblas.Nd4jCpu$Environment}), so on every CPU build it silently falls back
 * to its generic Java-side layer code. The model itself is untouched: configurations, parameters and saved
 * files are DL4J's; only the execution changes (scripts/bench-core.sh measures both: variant {@code dl4j-kernels}).
 * Nothing is installed on the CUDA backend (DL4J uses cuDNN there) or when the system property
 * {@value #DISABLE_PROPERTY} is {@code true}.
 */
public final class CpuKernels {
    /** {@code true} runs DL4J's own layer code ({@link Settings#DL4J_KERNELS}). */
    public static final String DISABLE_PROPERTY = Settings.DL4J_KERNELS.name();
    /**
     * {@code false} keeps DL4J's own layer objects and updater ({@link Settings#FUSED_LAYERS}), as a way back
     * should a fused layer misbehave, and for comparison (scripts/bench-core.sh, variant {@code helpers-only}).
     */
    public static final String FUSED_LAYERS_PROPERTY = Settings.FUSED_LAYERS.name();

    private CpuKernels() {
    }

    public static boolean enabled() {
        return !Settings.DL4J_KERNELS.value()
                && "CPU".equalsIgnoreCase(Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend"));
    }

    public static void install(MultiLayerNetwork net) {
        if (!enabled()) {
            return;
        }
        Layer[] layers = net.getLayers();
        DataType dataType = net.getLayerWiseConfigurations().getDataType();
        boolean fuse = Settings.FUSED_LAYERS.value();
        for (int i = 0; i < layers.length; i++) {
            // The first layer's input gradient is dropped by DL4J unless a preprocessor wants it.
            boolean inputGradient = i > 0 || net.getLayerWiseConfigurations().getInputPreProcess(0) != null;
            install(layers[i], inputGradient);
            if (!fuse) {
                continue;
            }
            if (layers[i] instanceof ConvolutionLayer conv && FusedConvolutionLayer.canReplace(conv, dataType)) {
                replace(net, i, new FusedConvolutionLayer(conv.conf(), dataType, new Im2colConvolution(inputGradient)));
            } else if (layers[i].getClass() == SubsamplingLayer.class) {
                replace(net, i, new HelpedSubsamplingLayer(layers[i].conf(), dataType, new MaxPooling()));
            } else if (layers[i] instanceof OutputLayer output && FusedOutputLayer.canReplace(output, dataType)) {
                replace(net, i, new FusedOutputLayer(output.conf(), dataType));
            } else if (DepthwiseConvolutionLayer.canReplace(layers[i], dataType)) {
                replace(net, i, new DepthwiseConvolutionLayer(layers[i].conf(), dataType));
            } else if (Settings.BLOCKED_COPIES.value() && ReLULayer.canReplace(layers[i], dataType)) {
                replace(net, i, new ReLULayer(layers[i].conf(), dataType));
            }
        }
        shareBlockedCopies(net);
        if (Settings.FOLD_BATCH_NORM.value()) {
            foldBatchNorms(net);
        }
        if (Settings.BATCH_NORM_RELU.value()) {
            for (int i = 0; i + 1 < layers.length; i++) {
                fuseReLU(layers[i], layers[i + 1], net.getLayerWiseConfigurations().getInputPreProcess(i + 1) != null);
            }
        }
        for (int i = 0; i + 1 < layers.length; i++) {
            // A ReLU convolution straight into 2x2 max pooling: the convolution pools while its output is in cache.
            if (layers[i] instanceof FusedConvolutionLayer conv && conv.relu()
                    && layers[i + 1] instanceof HelpedSubsamplingLayer pool && pool.tiles2x2()
                    && net.getLayerWiseConfigurations().getInputPreProcess(i + 1) == null) {
                conv.poolFor(pool);
            }
        }
        if (fuse) {
            // The updater keeps the layers it was built for: built again over the new ones, with its state (also
            // for a network that only predicts: its state array, twice the parameters, is the price).
            INDArray state = updaterState(net.getUpdater(false));
            net.setUpdater(new CpuUpdater(net));
            if (state != null) {
                net.getUpdater().setStateViewArray(net, state, false);
            }
        }
    }

    /** A copy of the updater's state, or null (no updater yet, or one without state). */
    private static INDArray updaterState(Updater updater) {
        INDArray state = updater == null ? null : updater.getStateViewArray();
        return state == null ? null : state.dup();
    }

    /**
     * How a caller that observes only a network's result runs its passes: inference that keeps only the class
     * probabilities or the loss, training steps that keep only the updated parameters and the loss. An array
     * between two oneDNN layers then stays in oneDNN's layout only, never written to DL4J's NCHW array
     * ({@link BlockedCopies}), and in inference convolutions compute the batch norms after them
     * ({@link OneDnnConvolution.BatchNormFold}). During such a pass nothing but the result may be read from the
     * network (DL4J's {@code feedForward} and training listeners see every layer's activations, and would see
     * those arrays unwritten): Network's {@code output}, {@code score} and {@code fit}, which return only the
     * result, run their passes through this.
     */
    public static final class ResultOnlyPasses {
        /** The network's copies; null where no array can stay unwritten. */
        private final BlockedCopies copies;
        private final boolean inference;
        private final boolean training;

        private ResultOnlyPasses(BlockedCopies copies) {
            this.copies = copies;
            inference = copies != null && Settings.BLOCKED_INFERENCE.value();
            training = copies != null && Settings.BLOCKED_TRAINING.value();
        }

        /** Runs {@code pass}, one forward pass of the network in inference whose caller keeps only the result. */
        public <T> T inference(Supplier<T> pass) {
            return inference ? copies.resultOnly(pass, false) : pass.get();
        }

        /**
         * Runs {@code step}, a training step (forward, backward, update) whose caller keeps only the parameters
         * and the loss.
         */
        public <T> T training(Supplier<T> step) {
            return training ? copies.resultOnly(step, true) : step.get();
        }
    }

    /** The result-only passes of a network's layers, after {@link #install}. */
    public static ResultOnlyPasses resultOnlyPasses(Layer[] layers) {
        for (Layer layer : layers) {
            BlockedCopies.Participant p = participant(layer);
            if (p != null && p.sharing().outputUnread()) {
                return new ResultOnlyPasses(p.sharing().copies());
            }
        }
        return new ResultOnlyPasses(null);
    }

    /**
     * Puts {@code replacement} where layer {@code i} was, with its state (index, listeners, counters, parameter
     * and gradient views), in the network's layer array (getLayers returns the array itself) and its name map.
     * The updater, which holds the layers it was built for, is rebuilt by the caller.
     */
    private static void replace(MultiLayerNetwork net, int i, Layer replacement) {
        Layer original = net.getLayers()[i];
        copyState(original, replacement);
        replacement.allowInputModification(i > 0); // as MultiLayerNetwork.init sets it
        net.getLayers()[i] = replacement;
        try {
            Field field = MultiLayerNetwork.class.getDeclaredField("layerMap");
            field.setAccessible(true);
            @SuppressWarnings("unchecked")
            Map<String, Layer> byName = (Map<String, Layer>) field.get(net);
            byName.put(replacement.conf().getLayer().getLayerName(), replacement);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot replace layer " + i + ": DL4J's MultiLayerNetwork has changed",
                    e);
        }
    }

    public static void install(ComputationGraph graph) {
        if (!enabled()) {
            return;
        }
        Layer[] layers = graph.getLayers();
        DataType dataType = graph.getConfiguration().getDataType();
        boolean fuse = Settings.FUSED_LAYERS.value();
        for (int i = 0; i < layers.length; i++) {
            boolean inputGradient = !readsOnlyNetworkInputs(graph, layers[i]);
            install(layers[i], inputGradient);
            if (fuse && layers[i] instanceof ConvolutionLayer conv && FusedConvolutionLayer.canReplace(conv, dataType)) {
                // DL4J's layer copies each training pass's output for its backward pass (the cache mode).
                replace(graph, i, new FusedConvolutionLayer(conv.conf(), dataType, new Im2colConvolution(inputGradient)));
            } else if (fuse && layers[i].getClass() == SubsamplingLayer.class) {
                // DL4J's pools in libnd4j in the forward pass, whatever its helper.
                replace(graph, i, new HelpedSubsamplingLayer(layers[i].conf(), dataType, new MaxPooling()));
            } else if (DepthwiseConvolutionLayer.canReplace(layers[i], dataType)) {
                replace(graph, i, new DepthwiseConvolutionLayer(layers[i].conf(), dataType));
            } else if (Settings.BLOCKED_COPIES.value() && ReLULayer.canReplace(layers[i], dataType)) {
                replace(graph, i, new ReLULayer(layers[i].conf(), dataType));
            }
        }
        if (OneDnn.available() && Settings.BLOCKED_COPIES.value() && Settings.ONEDNN_ADDS.value()
                && dataType == DataType.FLOAT) {
            useAddVertices(graph);
        }
        shareBlockedCopies(graph);
        if (Settings.FOLD_BATCH_NORM.value()) {
            foldBatchNorms(graph);
        }
        if (Settings.BATCH_NORM_RELU.value()) {
            for (org.deeplearning4j.nn.graph.vertex.GraphVertex vertex : graph.getVertices()) {
                org.deeplearning4j.nn.graph.vertex.GraphVertex reader = vertex.hasLayer() ? onlyReader(graph, vertex)
                        : null;
                if (reader != null && reader.hasLayer()) {
                    fuseReLU(vertex.getLayer(), reader.getLayer(), hasPreProcessor(reader));
                }
            }
        }
        if (fuse) {
            // As for a MultiLayerNetwork, with its state.
            INDArray state = updaterState(graph.getUpdater(false));
            graph.setUpdater(new CpuGraphUpdater(graph));
            if (state != null) {
                graph.getUpdater().setStateViewArray(state);
            }
        }
    }

    /** Puts an {@link AddVertex} in place of each of the graph's element-wise add vertices. */
    private static void useAddVertices(ComputationGraph graph) {
        org.deeplearning4j.nn.graph.vertex.GraphVertex[] vertices = graph.getVertices();
        for (int i = 0; i < vertices.length; i++) {
            org.deeplearning4j.nn.graph.vertex.GraphVertex vertex = vertices[i];
            if (vertex.getClass() == org.deeplearning4j.nn.graph.vertex.impl.ElementWiseVertex.class
                    && graph.getConfiguration().getVertices().get(vertex.getVertexName())
                            instanceof org.deeplearning4j.nn.conf.graph.ElementWiseVertex conf
                    && conf.getOp() == org.deeplearning4j.nn.conf.graph.ElementWiseVertex.Op.Add) {
                replace(graph, i, new AddVertex(graph, vertex));
            }
        }
    }

    /** Puts {@code replacement} where vertex {@code i} was, in the graph's vertex array and its name map. */
    private static void replace(ComputationGraph graph, int i, org.deeplearning4j.nn.graph.vertex.GraphVertex replacement) {
        graph.getVertices()[i] = replacement;
        try {
            Field field = ComputationGraph.class.getDeclaredField("verticesMap");
            field.setAccessible(true);
            @SuppressWarnings("unchecked")
            Map<String, org.deeplearning4j.nn.graph.vertex.GraphVertex> byName =
                    (Map<String, org.deeplearning4j.nn.graph.vertex.GraphVertex>) field.get(graph);
            byName.put(replacement.getVertexName(), replacement);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot replace vertex " + i + ": DL4J's ComputationGraph has changed",
                    e);
        }
    }

    /**
     * Folds into each oneDNN convolution of a MultiLayerNetwork the batch norm after it, and the ReLU after that
     * ({@link OneDnnConvolution.BatchNormFold}), where only they read the arrays between them, in inference.
     */
    private static void foldBatchNorms(MultiLayerNetwork net) {
        Layer[] layers = net.getLayers();
        for (int i = 0; i + 1 < layers.length; i++) {
            OneDnnConvolution conv = foldingConvolution(layers[i]);
            if (conv == null || !foldable(layers[i + 1])
                    || net.getLayerWiseConfigurations().getInputPreProcess(i + 1) != null) {
                continue;
            }
            boolean withReLU = i + 2 < layers.length && layers[i + 2] instanceof ReLULayer
                    && participant(layers[i + 1]).sharing().outputUnread()
                    && net.getLayerWiseConfigurations().getInputPreProcess(i + 2) == null;
            conv.fold(new OneDnnConvolution.BatchNormFold((BatchNormalization) layers[i + 1],
                    withReLU ? ((ReLULayer) layers[i + 2]).rectifier() : null));
        }
    }

    /** As above, in a graph: the convolution's only reader is the batch norm, whose only reader is the ReLU. */
    private static void foldBatchNorms(ComputationGraph graph) {
        org.deeplearning4j.nn.graph.vertex.GraphVertex[] vertices = graph.getVertices();
        for (org.deeplearning4j.nn.graph.vertex.GraphVertex vertex : vertices) {
            OneDnnConvolution conv = vertex.hasLayer() ? foldingConvolution(vertex.getLayer()) : null;
            org.deeplearning4j.nn.graph.vertex.GraphVertex norm = conv == null ? null : onlyReader(graph, vertex);
            if (norm == null || !norm.hasLayer() || !foldable(norm.getLayer()) || hasPreProcessor(norm)) {
                continue;
            }
            org.deeplearning4j.nn.graph.vertex.GraphVertex relu = onlyReader(graph, norm);
            boolean withReLU = relu != null && relu.hasLayer() && relu.getLayer() instanceof ReLULayer
                    && !hasPreProcessor(relu) && participant(norm.getLayer()).sharing().outputUnread();
            conv.fold(new OneDnnConvolution.BatchNormFold((BatchNormalization) norm.getLayer(),
                    withReLU ? ((ReLULayer) relu.getLayer()).rectifier() : null));
        }
    }

    /**
     * Lets training steps run {@code relu}, the only reader of {@code norm}'s output, within the batch norm
     * ({@link OneDnnBatchNorm#reluAfter}), where they are a oneDNN batch norm whose output only oneDNN kernels read
     * and a plain ReLU layer of spark-cnn's with no preprocessor between them.
     */
    private static void fuseReLU(Layer norm, Layer relu, boolean preProcessor) {
        if (foldable(norm) && participant(norm).sharing().outputUnread() && relu instanceof ReLULayer r && r.plain()
                && !preProcessor && participant(norm).oneDnnKernel() instanceof OneDnnBatchNorm kernel) {
            kernel.reluAfter();
        }
    }

    private static org.deeplearning4j.nn.graph.vertex.GraphVertex onlyReader(ComputationGraph graph,
            org.deeplearning4j.nn.graph.vertex.GraphVertex vertex) {
        org.deeplearning4j.nn.graph.vertex.VertexIndices[] readers = indices(vertex.getOutputVertices());
        return readers.length == 1 ? graph.getVertices()[readers[0].getVertexIndex()] : null;
    }

    /**
     * The layer's oneDNN convolution where its output as it leaves the layer is what the kernel writes and only
     * oneDNN kernels read it (no ReLU of DL4J's or of a fused layer's own after it); else null.
     */
    private static OneDnnConvolution foldingConvolution(Layer layer) {
        BlockedCopies.Participant p = participant(layer);
        if (p == null || !(p.oneDnnKernel() instanceof OneDnnConvolution conv) || !p.sharing().outputUnread()
                || (layer instanceof FusedConvolutionLayer fused && fused.relu())) {
            return null;
        }
        return conv;
    }

    /** A batch norm whose forward pass runs in {@link OneDnnBatchNorm}, with learned gamma and beta. */
    private static boolean foldable(Layer layer) {
        return layer instanceof BatchNormalization && readsThroughKernel(layer)
                && !((org.deeplearning4j.nn.conf.layers.BatchNormalization) layer.conf().getLayer())
                        .isLockGammaBeta();
    }

    /**
     * Lets consecutive oneDNN layers of a MultiLayerNetwork pass their arrays on in oneDNN's layout
     * ({@link BlockedCopies}): a layer offers its output when the next one is such a layer (the only reader), its
     * input gradient when the previous one is. No preprocessor may stand between them (it would make a new array,
     * which simply finds no copy).
     */
    private static void shareBlockedCopies(MultiLayerNetwork net) {
        if (!OneDnn.available() || !Settings.BLOCKED_COPIES.value()) {
            return;
        }
        BlockedCopies copies = new BlockedCopies();
        Layer[] layers = net.getLayers();
        for (int i = 0; i < layers.length; i++) {
            BlockedCopies.Participant participant = participant(layers[i]);
            if (participant == null) {
                continue;
            }
            boolean output = i + 1 < layers.length && readsThroughKernel(layers[i + 1])
                    && net.getLayerWiseConfigurations().getInputPreProcess(i + 1) == null && finalOutput(layers[i]);
            boolean inputGradient = i > 0 && participant(layers[i - 1]) != null
                    && net.getLayerWiseConfigurations().getInputPreProcess(i) == null;
            // The layer before reads the input gradient in its backward pass: unread but through its kernel,
            // unless DL4J's layer applies an activation's gradient to it first.
            participant.share(new BlockedCopies.Sharing(copies, output, inputGradient, output,
                    inputGradient && finalOutput(layers[i - 1])));
        }
    }

    /**
     * As above for a ComputationGraph, where an array can have several readers: a layer or {@link AddVertex}
     * offers its output only when every reader is a oneDNN layer, an add vertex of spark-cnn's or an element-wise
     * vertex of DL4J's (which copies before it adds), none of which writes into its input; and a layer offers its
     * input gradient only when its input vertex has no other reader, since the graph adds the gradients from
     * several readers into the first one, in place.
     */
    private static void shareBlockedCopies(ComputationGraph graph) {
        if (!OneDnn.available() || !Settings.BLOCKED_COPIES.value()) {
            return;
        }
        BlockedCopies copies = new BlockedCopies();
        org.deeplearning4j.nn.graph.vertex.GraphVertex[] vertices = graph.getVertices();
        for (org.deeplearning4j.nn.graph.vertex.GraphVertex vertex : vertices) {
            BlockedCopies.Participant participant = participant(vertex);
            if (participant == null) {
                continue;
            }
            boolean output = !vertex.hasLayer() || finalOutput(vertex.getLayer());
            org.deeplearning4j.nn.graph.vertex.VertexIndices[] readers = indices(vertex.getOutputVertices());
            // Unread: every reader is a oneDNN layer or add (which ask the copies), the graph does not return it.
            boolean unread = readers.length > 0
                    && !graph.getConfiguration().getNetworkOutputs().contains(vertex.getVertexName());
            for (org.deeplearning4j.nn.graph.vertex.VertexIndices reader : readers) {
                org.deeplearning4j.nn.graph.vertex.GraphVertex r = vertices[reader.getVertexIndex()];
                boolean kernel = readsThroughKernel(r);
                output &= kernel || r instanceof org.deeplearning4j.nn.graph.vertex.impl.ElementWiseVertex;
                unread &= kernel;
            }
            org.deeplearning4j.nn.graph.vertex.VertexIndices[] inputs = indices(vertex.getInputVertices());
            boolean inputGradient = vertex.hasLayer() && inputs.length == 1 && !hasPreProcessor(vertex)
                    && participant(vertices[inputs[0].getVertexIndex()]) != null
                    && readsOnlyAsItsGradient(vertices[inputs[0].getVertexIndex()]);
            // Unread: the vertex before reads it through its kernel, unless DL4J's layer applies an activation's
            // gradient to it first.
            boolean inputGradientUnread = inputGradient
                    && readsGradientThroughKernel(vertices[inputs[0].getVertexIndex()]);
            participant.share(new BlockedCopies.Sharing(copies, output, inputGradient, output && unread,
                    inputGradientUnread));
            if (vertex instanceof AddVertex add) {
                // The add hands its gradient on unwritten to one input that reads it so (the first found).
                for (int i = 0; i < inputs.length; i++) {
                    org.deeplearning4j.nn.graph.vertex.GraphVertex in = vertices[inputs[i].getVertexIndex()];
                    if (in.hasLayer() && readsOnlyAsItsGradient(in) && readsGradientThroughKernel(in)) {
                        add.handGradientTo(i);
                        break;
                    }
                }
            }
        }
    }

    /**
     * Whether the gradient at the vertex's output is the one its only reader gives it: the graph adds the
     * gradients of several readers into the first one, in place.
     */
    private static boolean readsOnlyAsItsGradient(org.deeplearning4j.nn.graph.vertex.GraphVertex vertex) {
        return indices(vertex.getOutputVertices()).length == 1;
    }

    /**
     * Whether the vertex's backward pass reads the gradient at its output through its oneDNN kernel (which asks
     * the copies first, and writes an unwritten array before any other code reads it): an add of spark-cnn's, or
     * a layer with a kernel whose output is what leaves it (no activation of DL4J's applied after the kernel,
     * whose gradient DL4J would apply to the NCHW array first).
     */
    private static boolean readsGradientThroughKernel(org.deeplearning4j.nn.graph.vertex.GraphVertex vertex) {
        return vertex instanceof AddVertex
                || vertex.hasLayer() && participant(vertex.getLayer()) != null && finalOutput(vertex.getLayer());
    }

    /** The vertex's oneDNN kernel: its layer's, or an {@link AddVertex}'s; null when it has none. */
    private static BlockedCopies.Participant participant(org.deeplearning4j.nn.graph.vertex.GraphVertex vertex) {
        if (vertex instanceof AddVertex add) {
            return add;
        }
        return vertex.hasLayer() ? participant(vertex.getLayer()) : null;
    }

    /** Whether the vertex reads its inputs through its oneDNN kernel, which asks the copies first. */
    private static boolean readsThroughKernel(org.deeplearning4j.nn.graph.vertex.GraphVertex vertex) {
        return vertex instanceof AddVertex
                || vertex.hasLayer() && readsThroughKernel(vertex.getLayer()) && !hasPreProcessor(vertex);
    }

    /**
     * Whether the layer's vertex reads the graph's inputs only, directly: its input gradient is then dropped by
     * the graph (an input vertex has no gradient to take), as for a MultiLayerNetwork's first layer.
     */
    private static boolean readsOnlyNetworkInputs(ComputationGraph graph, Layer layer) {
        for (org.deeplearning4j.nn.graph.vertex.GraphVertex vertex : graph.getVertices()) {
            if (vertex.hasLayer() && vertex.getLayer() == layer) {
                org.deeplearning4j.nn.graph.vertex.VertexIndices[] inputs = indices(vertex.getInputVertices());
                if (inputs.length == 0 || hasPreProcessor(vertex)) {
                    return false;
                }
                for (org.deeplearning4j.nn.graph.vertex.VertexIndices in : inputs) {
                    if (!graph.getVertices()[in.getVertexIndex()].isInputVertex()) {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }

    private static org.deeplearning4j.nn.graph.vertex.VertexIndices[] indices(
            org.deeplearning4j.nn.graph.vertex.VertexIndices[] indices) {
        return indices == null ? new org.deeplearning4j.nn.graph.vertex.VertexIndices[0] : indices;
    }

    private static boolean hasPreProcessor(org.deeplearning4j.nn.graph.vertex.GraphVertex vertex) {
        return vertex instanceof LayerVertex layer && layer.getLayerPreProcessor() != null;
    }

    /** The layer's oneDNN kernel, itself or in its helper slot; null when it has none. */
    static BlockedCopies.Participant participant(Layer layer) {
        if (layer instanceof BlockedCopies.Participant p) {
            return p;
        }
        return layer.getHelper() instanceof BlockedCopies.Participant p ? p : null;
    }

    /**
     * Whether the layer's forward pass reads its input through its oneDNN kernel, which asks the copies first. Not
     * so for DL4J 1.0.0-M2.1's own SubsamplingLayer (in graphs, and without fused layers): it pools in libnd4j and
     * calls its helper only for the gradient.
     */
    private static boolean readsThroughKernel(Layer layer) {
        return participant(layer) != null && layer.getClass() != SubsamplingLayer.class;
    }

    /**
     * Whether what the layer's kernel writes is what leaves the layer: not so for a convolution in DL4J's own
     * layer with an activation, which DL4J then applies in place.
     */
    private static boolean finalOutput(Layer layer) {
        if (layer.getClass() == ConvolutionLayer.class) {
            return ((org.deeplearning4j.nn.conf.layers.ConvolutionLayer) layer.conf().getLayer()).getActivationFn()
                    instanceof org.nd4j.linalg.activations.impl.ActivationIdentity;
        }
        return true;
    }

    /**
     * Puts {@code replacement} where layer {@code i} was, with its state, in the graph's layer array and its
     * vertex. The updater reads parameters and gradients through the same views, so it needs no rebuilding.
     */
    private static void replace(ComputationGraph graph, int i, Layer replacement) {
        Layer original = graph.getLayers()[i];
        copyState(original, replacement);
        replacement.allowInputModification(false);
        graph.getLayers()[i] = replacement;
        for (org.deeplearning4j.nn.graph.vertex.GraphVertex vertex : graph.getVertices()) {
            if (vertex instanceof LayerVertex layerVertex && layerVertex.getLayer() == original) {
                layerVertex.setLayer(replacement);
                return;
            }
        }
        throw new IllegalStateException("cannot replace layer " + i + ": it is in no vertex of the graph");
    }

    private static void copyState(Layer original, Layer replacement) {
        replacement.setIndex(original.getIndex());
        replacement.setListeners(original.getListeners());
        replacement.setIterationCount(original.getIterationCount());
        replacement.setEpochCount(original.getEpochCount());
        replacement.setParamsViewArray(original.params());
        replacement.setParamTable(original.paramTable());
        if (original.getGradientsViewArray() != null) {
            replacement.setBackpropGradientsViewArray(original.getGradientsViewArray());
        }
    }

    private static void install(Layer layer, boolean inputGradient) {
        useDenseReLU(layer);
        if (layer instanceof ConvolutionLayer conv && conv.getClass() == ConvolutionLayer.class) {
            setHelper(ConvolutionLayer.class, layer, new Im2colConvolution(inputGradient));
        } else if (layer instanceof SubsamplingLayer && layer.getClass() == SubsamplingLayer.class) {
            setHelper(SubsamplingLayer.class, layer, new MaxPooling());
        } else if (layer instanceof BatchNormalization) {
            setHelper(BatchNormalization.class, layer, new BatchNormKernel());
        }
    }

    /**
     * A plain ReLU (no cap, threshold or slope) becomes {@link DenseReLU} in the layer's own copy of its
     * configuration; the network's configuration, which ModelSerializer saves, is not touched.
     */
    private static void useDenseReLU(Layer layer) {
        org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
        IActivation activation = conf instanceof BaseLayer base ? base.getActivationFn()
                : conf instanceof ActivationLayer a ? a.getActivationFn() : null;
        if (activation == null || activation.getClass() != ActivationReLU.class) {
            return;
        }
        ActivationReLU relu = (ActivationReLU) activation;
        if (relu.getMax() != null || relu.getThreshold() != null || relu.getNegativeSlope() != null) {
            return;
        }
        NeuralNetConfiguration own = layer.conf().clone();
        if (own.getLayer() instanceof BaseLayer base) {
            base.setActivationFn(new DenseReLU());
        } else {
            ((ActivationLayer) own.getLayer()).setActivationFn(new DenseReLU());
        }
        layer.setConf(own);
    }

    private static void setHelper(Class<?> owner, Layer layer, Object helper) {
        try {
            Field field = owner.getDeclaredField("helper");
            field.setAccessible(true);
            field.set(layer, helper);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot install " + helper.getClass().getSimpleName() + " into "
                    + owner.getSimpleName() + ": DL4J's layer has changed", e);
        }
    }
}
