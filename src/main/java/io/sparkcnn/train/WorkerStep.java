package io.sparkcnn.train;

import io.sparkcnn.model.Network;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

/**
 * One worker's share of an averaging round, as a plain function that any test can call without Spark:
 * load the merged parameters and updater state into the replica, set the epoch and iteration counters
 * (Adam's bias correction and the learning-rate schedule read them), fit the minibatches in order, return
 * copies of the new parameters and updater state. Nothing the replica held before the call is used.
 */
public final class WorkerStep {
    private WorkerStep() {
    }

    /**
     * @param replica      an initialised network of the job's configuration; reused across rounds
     * @param params       the parameters to start from
     * @param updaterState the updater state to start from (null or empty for an updater without state)
     * @param epoch        the epoch the minibatches belong to (0-based)
     * @param iteration    minibatches fitted by this worker so far in the job
     */
    public static WorkerResult fit(Network replica, INDArray params, INDArray updaterState, int epoch, int iteration,
                                   Iterable<DataSet> minibatches) {
        load(replica, params, updaterState, epoch, iteration);
        double lossSum = 0;
        long images = 0;
        int count = 0;
        try {
            for (DataSet batch : minibatches) {
                lossSum += replica.fit(batch);
                images += batch.numExamples();
                count++;
            }
        } finally {
            if (minibatches instanceof Prefetched<?> prefetched) {
                prefetched.close();
            }
        }
        INDArray state = replica.updaterState();
        return new WorkerResult(replica.params().dup(), state == null ? null : state.dup(), lossSum, count, images);
    }

    /** Loads the parameters, updater state and counters a worker starts from into its replica. */
    public static void load(Network replica, INDArray params, INDArray updaterState, int epoch, int iteration) {
        replica.setParams(params);
        replica.setUpdaterState(updaterState);
        replica.setCounters(epoch, iteration);
    }
}
