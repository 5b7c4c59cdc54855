package io.sparkcnn.model;

import io.sparkcnn.kernels.CpuKernels;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The operations training, evaluation and storage need from a DL4J network, in one place, so that none of
 * them cares whether it is a layer stack (MultiLayerNetwork) or a graph (ComputationGraph, for skip
 * connections).
 */
public final class Network {
    private final MultiLayerNetwork layers;
    private final ComputationGraph graph;
    /** Images per pass through the network in inference ({@link #output}). */
    private final int inferenceChunk;
    /** Runs {@link #output}'s, {@link #score}'s and {@link #fit}'s passes, which keep only the result. */
    private final CpuKernels.ResultOnlyPasses resultOnly;

    private Network(MultiLayerNetwork layers, ComputationGraph graph) {
        this.layers = layers;
        this.graph = graph;
        org.deeplearning4j.nn.api.Layer[] all = graph != null ? graph.getLayers() : layers.getLayers();
        inferenceChunk = CpuKernels.enabled() ? INFERENCE_CHUNK : Integer.MAX_VALUE;
        resultOnly = CpuKernels.resultOnlyPasses(all);
    }

    /** Wraps a network, with {@link CpuKernels} installed in its layers. */
    public static Network of(MultiLayerNetwork layers) {
        CpuKernels.install(layers);
        return new Network(layers, null);
    }

    /** Wraps a graph, with {@link CpuKernels} installed in its layers. */
    public static Network of(ComputationGraph graph) {
        CpuKernels.install(graph);
        return new Network(null, graph);
    }

    static Network initialised(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return of(net);
    }

    static Network initialised(ComputationGraphConfiguration conf) {
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return of(net);
    }

    /** The DL4J network itself, for serialisation and dl4j-spark. */
    public Model dl4j() {
        return graph != null ? graph : layers;
    }

    public boolean isGraph() {
        return graph != null;
    }

    public NetworkSpec spec() {
        return graph != null ? NetworkSpec.of(graph.getConfiguration()) : NetworkSpec.of(layers.getLayerWiseConfigurations());
    }

    /** A network of the same configuration with a copy of these parameters, for another thread to run. */
    public Network replica() {
        Network copy = spec().build();
        copy.setParams(params().dup());
        return copy;
    }

    /** The flattened parameters (a view: changes as the network trains). */
    public INDArray params() {
        return dl4j().params();
    }

    public long numParams() {
        return dl4j().numParams();
    }

    public void setParams(INDArray params) {
        dl4j().setParams(params);
    }

    /** The flattened updater state (a view), or null for an updater without state (plain SGD). */
    public INDArray updaterState() {
        return graph != null ? graph.getUpdater().getStateViewArray() : layers.getUpdater().getStateViewArray();
    }

    public void setUpdaterState(INDArray state) {
        INDArray view = updaterState();
        if (view != null && state != null && state.length() > 0) {
            view.assign(state);
        }
    }

    /** Sets the epoch and iteration counters the updater's bias correction and learning-rate schedule read. */
    public void setCounters(int epoch, int iteration) {
        if (graph != null) {
            graph.getConfiguration().setEpochCount(epoch);
            graph.getConfiguration().setIterationCount(iteration);
        } else {
            layers.setEpochCount(epoch);
            layers.setIterationCount(iteration);
        }
    }

    /** Fits one minibatch; returns its loss. */
    public double fit(DataSet batch) {
        return resultOnly.training(() -> {
            if (graph != null) {
                graph.fit(batch);
                return graph.score();
            }
            layers.fit(batch);
            return layers.score();
        });
    }

    /**
     * Class probabilities for a batch of images (inference mode), {@link #INFERENCE_CHUNK} images at a time where
     * oneDNN's primitives run.
     */
    public INDArray output(INDArray features) {
        int chunk = inferenceChunk;
        long n = features.size(0);
        if (n <= chunk) {
            return wholeOutput(features);
        }
        INDArray[] parts = new INDArray[(int) ((n + chunk - 1) / chunk)];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = wholeOutput(images(features, (long) i * chunk, Math.min(n, (long) (i + 1) * chunk)));
        }
        return Nd4j.concat(0, parts);
    }

    private INDArray wholeOutput(INDArray features) {
        return resultOnly.inference(() -> graph != null ? graph.outputSingle(false, features)
                : layers.output(features, false));
    }

    /**
     * At most this many images go through the network at once in inference on the CPU engine ({@link
     * CpuKernels#enabled}): a chunk's activations stay in the caches from the layer that writes them to the one
     * that reads them, where a batch of 256 images goes to memory and back at every layer (oneDNN's reorders
     * included). scripts/bench-core.sh (variant whole-batches) measures both: ResNet-18 and MobileNetV2 infer
     * several times faster in chunks, and 16 or 64 images were slower than 32 on both; the seed CNN, whose
     * convolution runs image by image in spark-cnn's own kernels, 1.2x faster on an AVX-512 CPU (its output
     * layer's products) and as fast on others. The GPU engine infers whole batches.
     */
    static final int INFERENCE_CHUNK = 32;

    int inferenceChunk() {
        return inferenceChunk;
    }

    private static INDArray images(INDArray a, long from, long to) {
        INDArrayIndex[] index = new INDArrayIndex[a.rank()];
        index[0] = NDArrayIndex.interval(from, to);
        for (int d = 1; d < index.length; d++) {
            index[d] = NDArrayIndex.all();
        }
        return a.get(index);
    }

    /**
     * Class probabilities for a batch of images as one row per image. The output array is copied out whole and
     * freed at once: ND4J frees an array's native memory from a reference queue that falls behind when a server
     * makes thousands of small arrays a second, and the young collections then copy the backlog (pauses of
     * 100 ms and more, a heap that grows with the request count).
     */
    public float[][] probabilities(INDArray features) {
        INDArray output = output(features);
        try {
            return rows(output);
        } finally {
            if (output.closeable()) {
                output.close();
            }
        }
    }

    /**
     * A matrix's rows as float arrays, through one copy of its buffer (ND4J's own {@code toFloatMatrix} makes a
     * new array per row).
     */
    public static float[][] rows(INDArray matrix) {
        INDArray dense = matrix.ordering() == 'c' && !matrix.isView() ? matrix : matrix.dup('c');
        int n = (int) dense.rows();
        int width = (int) dense.columns();
        float[] flat = dense.data().asFloat();
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = java.util.Arrays.copyOfRange(flat, i * width, (i + 1) * width);
        }
        if (dense != matrix && dense.closeable()) {
            dense.close();
        }
        return rows;
    }

    /** The mean loss on a batch (inference mode), in the chunks of {@link #output}. */
    public double score(DataSet batch) {
        int chunk = inferenceChunk;
        int n = batch.numExamples();
        if (n <= chunk) {
            return wholeScore(batch);
        }
        double sum = 0;
        for (int from = 0; from < n; from += chunk) {
            int to = Math.min(n, from + chunk);
            DataSet part = new DataSet(images(batch.getFeatures(), from, to), images(batch.getLabels(), from, to),
                    batch.getFeaturesMaskArray() == null ? null : images(batch.getFeaturesMaskArray(), from, to),
                    batch.getLabelsMaskArray() == null ? null : images(batch.getLabelsMaskArray(), from, to));
            sum += wholeScore(part) * (to - from);
        }
        return sum / n;
    }

    private double wholeScore(DataSet batch) {
        return resultOnly.inference(() -> graph != null ? graph.score(batch, false) : layers.score(batch, false));
    }

    /** The learning rate the updater applies at the current counters. */
    public double learningRate() {
        return graph != null ? graph.getLearningRate(graph.getLayer(0).conf().getLayer().getLayerName())
                : layers.getLearningRate(0);
    }
}
