package io.sparkcnn.spark;

import io.sparkcnn.data.Normalisation;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.train.EpochPlan;
import io.sparkcnn.train.Minibatches;
import io.sparkcnn.train.WorkerResult;
import io.sparkcnn.train.WorkerStep;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * One worker's part of one averaging round, run as a Spark task over its cached {@link DecodedPartition}:
 * borrow the replica, load the broadcast parameters and updater state, fit the round's minibatches of the
 * plan, return the result. The minibatches and the updater's iteration count come from the plan, so a
 * retried attempt computes exactly what the failed one would have.
 */
record RoundTask(String jobId, String configJson, Broadcast<float[]> params, Broadcast<float[]> updaterState,
                 EpochPlan plan, int epoch, int round, InputShape shape, int classes, Normalisation normalisation,
                 FaultInjector faults) implements FlatMapFunction<Iterator<DecodedPartition>, RoundResult> {

    @Override
    public Iterator<RoundResult> call(Iterator<DecodedPartition> partitions) {
        RoundResult out = new RoundResult();
        while (partitions.hasNext()) {
            DecodedPartition p = partitions.next();
            int[] span = plan.positions(round, p.count());
            if (span[0] >= span[1]) {
                continue;
            }
            List<DataSet> batches = minibatches(p, plan.order(p.index(), epoch, p.count()), span);
            int iteration = epoch * plan.minibatches(p.count()) + span[0] / plan.batchSize();
            String key = jobId + "/" + p.index();
            MultiLayerNetwork replica = Replicas.borrow(key, configJson);
            INDArray state = updaterState == null ? null : Nd4j.createFromArray(updaterState.value());
            WorkerResult r = WorkerStep.fit(replica, Nd4j.createFromArray(params.value()), state, iteration, batches);
            TaskContext task = TaskContext.get();
            faults.afterFit(p.index(), epoch, round, task == null ? 0 : task.attemptNumber());
            Replicas.giveBack(key, replica);
            float[] newState = r.updaterState() == null ? new float[0] : r.updaterState().data().asFloat();
            out.add(r.params().data().asFloat(), newState, r.lossSum(), r.minibatches(), r.images());
        }
        return List.of(out).iterator();
    }

    private List<DataSet> minibatches(DecodedPartition p, int[] order, int[] span) {
        List<float[]> images = new ArrayList<>(span[1] - span[0]);
        int[] ids = new int[span[1] - span[0]];
        for (int k = span[0]; k < span[1]; k++) {
            images.add(p.image(order[k], normalisation));
            ids[k - span[0]] = p.labels()[order[k]];
        }
        return Minibatches.of(images, ids, shape, classes, plan.batchSize());
    }
}
