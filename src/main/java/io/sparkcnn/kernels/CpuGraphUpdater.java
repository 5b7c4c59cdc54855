package io.sparkcnn.kernels;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;

/**
 * {@link CpuUpdater} for a ComputationGraph: DL4J's ComputationGraphUpdater with the network's own gradient
 * taken as its own (no per-parameter views each step) and Adam in {@link JavaAdam}; same state array, same
 * maths.
 */
final class CpuGraphUpdater extends ComputationGraphUpdater {
    CpuGraphUpdater(ComputationGraph graph) {
        super(graph);
        CpuUpdater.useJavaAdam(getUpdaterBlocks());
    }

    @Override
    public void update(Gradient gradient, int iteration, int epoch, int batchSize, LayerWorkspaceMgr workspaceMgr) {
        super.update(CpuUpdater.overOwnView(gradient, getFlattenedGradientsView()), iteration, epoch, batchSize,
                workspaceMgr);
    }
}
