package io.sparkcnn.spark.training;

import io.sparkcnn.data.Augmentation;
import io.sparkcnn.data.Normalisation;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.Network;
import io.sparkcnn.model.NetworkSpec;
import io.sparkcnn.spark.gpu.TaskGpus;
import io.sparkcnn.spark.lake.DecodedPartition;
import io.sparkcnn.train.EpochPlan;
import io.sparkcnn.train.Minibatches;
import io.sparkcnn.train.OffHeap;
import io.sparkcnn.train.Prefetched;
import io.sparkcnn.train.WorkerCompute;
import io.sparkcnn.train.WorkerResult;
import io.sparkcnn.train.WorkerStep;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * One worker's part of one averaging round, run as a Spark task over its cached {@link DecodedPartition}:
 * borrow the replica, load the broadcast parameters and updater state, fit the round's minibatches of the
 * plan, return the result. The minibatches, the updater's counters and its state all come from the plan and
 * the broadcast, so a retried attempt computes exactly what the failed one would have.
 */
record RoundTask(String jobId, NetworkSpec spec, Broadcast<float[]> params, Broadcast<UpdaterStates> updaterStates,
                 EpochPlan plan, int epoch, int round, InputShape shape, int classes, Normalisation normalisation,
                 Augmentation augmentation, double labelSmoothing, WorkerCompute compute, FaultInjector faults)
        implements FlatMapFunction<Iterator<DecodedPartition>, RoundResult> {
    private static final Logger LOG = LoggerFactory.getLogger(RoundTask.class);

    @Override
    public Iterator<RoundResult> call(Iterator<DecodedPartition> partitions) {
        String device = compute.prepare(TaskGpus.current());
        RoundResult out = new RoundResult();
        while (partitions.hasNext()) {
            DecodedPartition p = partitions.next();
            int[] span = plan.positions(round, p.count());
            if (span[0] >= span[1]) {
                continue;
            }
            long taskStart = System.nanoTime();
            Iterable<DataSet> batches = minibatches(p, plan.order(p.index(), epoch, p.count()), span);
            int iteration = epoch * plan.minibatches(p.count()) + span[0] / plan.batchSize();
            String key = jobId + "/" + p.index();
            Network replica = Replicas.borrow(key, spec);
            float[] state = updaterStates.value().forWorker(p.index());
            TaskContext task = TaskContext.get();
            boolean onExecutor = onExecutor();
            if (onExecutor) {
                LOG.info("worker {} fitting round {} of epoch {} (attempt {}): {} images", p.index(), round + 1,
                        epoch + 1, task == null ? 0 : task.attemptNumber(), span[1] - span[0]);
            }
            long fitStart = System.nanoTime();
            WorkerResult r;
            try {
                r = WorkerStep.fit(replica, Nd4j.createFromArray(params.value()),
                        state.length == 0 ? null : Nd4j.createFromArray(state), epoch, iteration, batches);
            } catch (OutOfMemoryError e) {
                if (OffHeap.isOffHeap(e)) {
                    throw OffHeap.explain(e, "worker " + p.index() + " (round " + (round + 1) + " of epoch "
                            + (epoch + 1) + ")");
                }
                throw e;
            }
            double fitSeconds = (System.nanoTime() - fitStart) / 1e9;
            if (onExecutor) {
                LOG.info(String.format(Locale.ROOT, "worker %d fitted round %d of epoch %d in %.2f s, loss %.4f",
                        p.index(), round + 1, epoch + 1, fitSeconds, r.lossSum() / Math.max(1, r.minibatches())));
            }
            faults.afterFit(p.index(), epoch, round, task == null ? 0 : task.attemptNumber());
            Replicas.giveBack(key, replica);
            float[] newState = r.updaterState() == null ? new float[0] : r.updaterState().data().asFloat();
            out.add(p.index(), r.params().data().asFloat(), newState, updaterStates.value().merged() != null,
                    r.lossSum(), r.minibatches(), r.images());
            out.timed(fitSeconds, (System.nanoTime() - taskStart) / 1e9);
            out.stats.put(p.index(), WorkerStats.here(device, compute.threads(), r.images(), fitSeconds));
        }
        return List.of(out).iterator();
    }

    /**
     * A round that only times: each worker fits the first minibatches of its first epoch, at most {@code count} of
     * them and no more than {@code budgetSeconds} after the first (the first ones pay for warming up), on its
     * replica from the broadcast state, and returns a result of a round's size, so that the driver sees what a
     * round costs besides the fitting. Its {@link RoundResult#secondsPerMinibatch} is the fastest of the last half
     * of the minibatches: while the JVM warms up, its compiler's threads take cores from the fitting, and only
     * its fastest minibatches show the speed of the rounds to come. Changes nothing a round computes: every round
     * loads its replica from the broadcast.
     */
    RoundResult probe(Iterator<DecodedPartition> partitions, int count, double budgetSeconds) {
        compute.prepare(TaskGpus.current());
        RoundResult out = new RoundResult();
        while (partitions.hasNext()) {
            DecodedPartition p = partitions.next();
            long taskStart = System.nanoTime();
            int[] span = {0, Math.min(p.count(), count * plan.batchSize())};
            String key = jobId + "/" + p.index();
            Network replica = Replicas.borrow(key, spec);
            float[] state = updaterStates.value().forWorker(p.index());
            WorkerStep.load(replica, Nd4j.createFromArray(params.value()),
                    state.length == 0 ? null : Nd4j.createFromArray(state), 0, 0);
            List<Double> seconds = new ArrayList<>();
            Iterable<DataSet> batches = minibatches(p, plan.order(p.index(), 0, p.count()), span);
            try {
                double spent = 0;
                for (DataSet batch : batches) {
                    long start = System.nanoTime();
                    replica.fit(batch);
                    seconds.add((System.nanoTime() - start) / 1e9);
                    spent += seconds.size() > 1 ? seconds.get(seconds.size() - 1) : 0;
                    if (spent > budgetSeconds) {
                        break;
                    }
                }
            } finally {
                if (batches instanceof Prefetched<?> prefetched) {
                    prefetched.close();
                }
            }
            INDArray newState = replica.updaterState();
            out.add(p.index(), replica.params().data().asFloat(),
                    newState == null ? new float[0] : newState.data().asFloat(), true, 0, 0, 0);
            Replicas.giveBack(key, replica);
            out.timed(seconds.stream().mapToDouble(Double::doubleValue).sum(), (System.nanoTime() - taskStart) / 1e9);
            double fastest = seconds.subList(seconds.size() / 2, seconds.size()).stream()
                    .mapToDouble(Double::doubleValue).min().orElse(0);
            out.secondsPerMinibatch = Math.max(out.secondsPerMinibatch, fastest);
        }
        return out;
    }

    /**
     * Whether this task runs in an executor JVM (a cluster) rather than in the driver (local mode), where the
     * driver's round line already says what the executors' own log lines would.
     */
    private static boolean onExecutor() {
        SparkEnv env = SparkEnv.get();
        return env != null && !"driver".equals(env.executorId());
    }

    /**
     * The round's minibatches of positions span[0] to span[1] of the epoch's order. From decoded pixels they are
     * made at once; from a cache of encoded files (data.cache.storage = encoded) each is decoded on a thread of
     * its own while the one before it trains, two ahead at most.
     */
    private Iterable<DataSet> minibatches(DecodedPartition p, int[] order, int[] span) {
        if (!p.isEncoded()) {
            return minibatches(p, order, span[0], span[1]);
        }
        int batch = plan.batchSize();
        int count = (span[1] - span[0] + batch - 1) / batch;
        return new Prefetched<>(count, 2, b -> minibatches(p, order, span[0] + b * batch,
                Math.min(span[1], span[0] + (b + 1) * batch)).get(0),
                "decode worker " + p.index() + " epoch " + (epoch + 1) + " round " + (round + 1));
    }

    private List<DataSet> minibatches(DecodedPartition p, int[] order, int from, int to) {
        List<float[]> images = new ArrayList<>(to - from);
        int[] ids = new int[to - from];
        for (int k = from; k < to; k++) {
            images.add(p.image(order[k], normalisation, augmentation, shape.channels(), shape.height(), shape.width(),
                    epoch));
            ids[k - from] = p.labels()[order[k]];
        }
        return Minibatches.of(images, ids, shape, classes, plan.batchSize(), labelSmoothing);
    }
}
