package io.sparkcnn.train;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

/**
 * One worker's share of an averaging round, as a plain function that any test can call without Spark:
 * load the merged parameters (and, when given, the merged updater state) into the replica, fit its
 * minibatches in order, return copies of the new parameters and updater state. The replica keeps its
 * iteration count, which Adam's bias correction depends on, in step with the round.
 */
public final class WorkerStep {
    private WorkerStep() {
    }

    /**
     * @param replica      an initialised network of the job's configuration; reused across rounds
     * @param params       the merged parameters to start from
     * @param updaterState the merged updater state, or null to keep the replica's own
     * @param iteration    minibatches fitted by the job so far (per worker), for the updater's schedule
     */
    public static WorkerResult fit(MultiLayerNetwork replica, INDArray params, INDArray updaterState, int iteration,
                                   List<DataSet> minibatches) {
        replica.setParams(params);
        if (updaterState != null && updaterState.length() > 0) {
            replica.getUpdater().getStateViewArray().assign(updaterState);
        }
        replica.setIterationCount(iteration);
        double lossSum = 0;
        long images = 0;
        for (DataSet batch : minibatches) {
            replica.fit(batch);
            lossSum += replica.score();
            images += batch.numExamples();
        }
        INDArray state = replica.getUpdater().getStateViewArray();
        return new WorkerResult(replica.params().dup(), state == null ? null : state.dup(), lossSum,
                minibatches.size(), images);
    }
}
