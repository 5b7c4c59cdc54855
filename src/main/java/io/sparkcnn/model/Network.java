package io.sparkcnn.model;

import io.sparkcnn.kernels.CpuKernels;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The operations training, evaluation and storage need from a DL4J network, in one place, so that none of
 * them cares whether it is a layer stack (MultiLayerNetwork) or a graph (ComputationGraph, for skip
 * connections).
 */
public final class Network {
    private final MultiLayerNetwork layers;
    private final ComputationGraph graph;

    private Network(MultiLayerNetwork layers, ComputationGraph graph) {
        this.layers = layers;
        this.graph = graph;
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
        if (graph != null) {
            graph.fit(batch);
            return graph.score();
        }
        layers.fit(batch);
        return layers.score();
    }

    /** Class probabilities for a batch of images (inference mode). */
    public INDArray output(INDArray features) {
        return graph != null ? graph.outputSingle(false, features) : layers.output(features, false);
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

    /** The mean loss on a batch (inference mode). */
    public double score(DataSet batch) {
        return graph != null ? graph.score(batch, false) : layers.score(batch, false);
    }

    /** The learning rate the updater applies at the current counters. */
    public double learningRate() {
        return graph != null ? graph.getLearningRate(graph.getLayer(0).conf().getLayer().getLayerName())
                : layers.getLearningRate(0);
    }
}
