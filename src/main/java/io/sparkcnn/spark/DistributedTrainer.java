package io.sparkcnn.spark;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.Normalisation;
import io.sparkcnn.eval.Metrics;
import io.sparkcnn.model.Architectures;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.Network;
import io.sparkcnn.model.NetworkSpec;
import io.sparkcnn.train.EpochPlan;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Parameter averaging on Spark with workers that keep their state between rounds. Each round broadcasts
 * the merged parameters (and updater state), every worker fits K minibatches of its cached partition as
 * one Spark task ({@link RoundTask}), and the driver tree-aggregates and averages what comes back. After
 * each epoch the merged network is evaluated on the cached held-out partitions ({@link EvalTask}).
 */
public final class DistributedTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(DistributedTrainer.class);

    /** The trained network and the held-out metrics after each epoch. */
    public record Result(Network network, List<Metrics> epochs, long imagesSeen, double seconds,
                         List<Map<String, Object>> workers) {
    }

    private final JavaSparkContext sc;
    private final JobConfig job;
    private final FaultInjector faults;
    private final String jobId = UUID.randomUUID().toString();

    public DistributedTrainer(SparkSession spark, JobConfig job, FaultInjector faults) {
        this.sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        this.job = job;
        this.faults = faults;
    }

    public Result train(JavaRDD<DecodedPartition> train, JavaRDD<DecodedPartition> heldOut, LabelIndex labels,
                        InputShape shape, Normalisation normalisation) {
        Run run = start(train, heldOut, labels, shape, normalisation);
        while (!run.done()) {
            run.epoch();
        }
        return run.finish();
    }

    /** Starts a training run that the caller drives epoch by epoch (benchmarks interleave runs this way). */
    public Run start(JavaRDD<DecodedPartition> train, JavaRDD<DecodedPartition> heldOut, LabelIndex labels,
                     InputShape shape, Normalisation normalisation) {
        return new Run(train, heldOut, labels, shape, normalisation);
    }

    /** One training run: the merged parameters and updater state live here, on the driver, between rounds. */
    public final class Run {
        private final JavaRDD<DecodedPartition> train;
        private final JavaRDD<DecodedPartition> heldOut;
        private final LabelIndex labels;
        private final InputShape shape;
        private final Normalisation normalisation;
        private final Network network;
        private final NetworkSpec spec;
        private final EpochPlan plan;
        private final long total;
        private final int rounds;
        private final List<Metrics> history = new ArrayList<>();
        private final RoundWatch watch = new RoundWatch(sc);
        private final Map<Integer, WorkerStats> workers = new TreeMap<>();
        private float[] params;
        /** The merged updater state, or with train.averageUpdaterState false, each worker's own. */
        private float[] state;
        private float[][] ownStates;
        private int epoch;
        private long seen;
        private double seconds;

        private Run(JavaRDD<DecodedPartition> train, JavaRDD<DecodedPartition> heldOut, LabelIndex labels,
                    InputShape shape, Normalisation normalisation) {
            this.train = train;
            this.heldOut = heldOut;
            this.labels = labels;
            this.shape = shape;
            this.normalisation = normalisation;
            TrainConfig t = job.train();
            spec = Architectures.build(t, shape, labels.size(), job.seed());
            network = spec.build();
            params = network.params().data().asFloat();
            state = stateOf(network);
            List<Integer> sizes = train.map(DecodedPartition::count).collect();
            ownStates = new float[sizes.size()][];
            java.util.Arrays.fill(ownStates, state);
            total = sizes.stream().mapToLong(Integer::longValue).sum();
            int largest = sizes.stream().mapToInt(Integer::intValue).max().orElse(0);
            if (total == 0) {
                throw new io.sparkcnn.data.DataException("no training images to fit");
            }
            plan = new EpochPlan(job.seed(), t.batchSizePerWorker(), t.averagingFrequency());
            rounds = plan.roundsPerEpoch(largest);
            LOG.info("Training {} on {} images: {} workers ({} to {} images each), minibatch {}, K = {}, {} rounds "
                            + "per epoch, {} epochs, {} parameters", t.architecture().configName(), total, sizes.size(),
                    sizes.stream().mapToInt(Integer::intValue).min().orElse(0), largest, t.batchSizePerWorker(),
                    t.averagingFrequency(), rounds, t.epochs(), params.length);
        }

        public boolean done() {
            return epoch >= job.train().epochs();
        }

        /** Trains one epoch, evaluates on the held-out split and returns the metrics. */
        public Metrics epoch() {
            TrainConfig t = job.train();
            long start = System.nanoTime();
            long seenThisEpoch = 0;
            double lossSum = 0;
            int batches = 0;
            double fitting = 0;
            double tasks = 0;
            for (int round = 0; round < rounds; round++) {
                long roundStart = System.nanoTime();
                Broadcast<float[]> bParams = sc.broadcast(params);
                Broadcast<UpdaterStates> bState = sc.broadcast(t.averageUpdaterState()
                        ? UpdaterStates.merged(state) : UpdaterStates.perWorker(ownStates));
                RoundTask task = new RoundTask(jobId, spec, bParams, bState, plan, epoch, round, shape, labels.size(),
                        normalisation, t.threadsPerWorker(), faults);
                RoundResult r = watch.run(jobId + "/epoch-" + epoch + "/round-" + round,
                        "round " + (round + 1) + "/" + rounds + " of epoch " + (epoch + 1), t.roundTimeoutSeconds(),
                        () -> train.mapPartitions(task)
                                .treeAggregate(new RoundResult(), RoundResult::merge, RoundResult::merge));
                bParams.destroy();
                bState.destroy();
                params = RoundResult.mean(r.paramSum, r.workers);
                if (t.averageUpdaterState()) {
                    state = RoundResult.mean(r.stateSum, r.workers);
                } else {
                    r.ownStates.forEach((worker, s) -> ownStates[worker] = s);
                }
                r.stats.forEach((worker, s) -> workers.merge(worker, s, WorkerStats::plus));
                seenThisEpoch += r.images;
                lossSum += r.lossSum;
                batches += r.minibatches;
                fitting += r.fitSeconds;
                tasks += r.taskSeconds;
                logRound(epoch, round, rounds, rounds * t.epochs(), r, roundStart, start, seconds);
            }
            if (seenThisEpoch != total) {
                throw new IllegalStateException("epoch " + (epoch + 1) + " visited " + seenThisEpoch
                        + " images, the training split has " + total);
            }
            seen += seenThisEpoch;
            double epochSeconds = (System.nanoTime() - start) / 1e9;
            seconds += epochSeconds;
            LOG.info(String.format(Locale.ROOT, "epoch %d: %.1f s, %.0f images/s; the slowest worker of each round "
                            + "spent %.0f%% of the time fitting and %.0f%% in its task (the rest: scheduling, "
                            + "broadcast, merging)", epoch + 1, epochSeconds, seenThisEpoch / epochSeconds,
                    100 * fitting / epochSeconds, 100 * tasks / epochSeconds));
            Metrics m = evaluate(heldOut, spec, params, shape, labels, normalisation);
            history.add(m);
            epoch++;
            LOG.info("Epoch {}/{}: {} images visited once each, mean training loss {}\n{}", epoch, t.epochs(),
                    seenThisEpoch, String.format(Locale.ROOT, "%.4f", lossSum / batches), m.table());
            return m;
        }

        /** Seconds spent in training rounds so far (evaluation excluded). */
        public double trainingSeconds() {
            return seconds;
        }

        /** A copy of the current merged parameters. */
        public float[] parameters() {
            return params.clone();
        }

        /**
         * The network with the merged parameters and updater state (without updater averaging: the mean of the
         * workers' states, for a warm start); frees the executors' replicas.
         */
        public Result finish() {
            watch.close();
            release(train.union(heldOut));
            network.setParams(Nd4j.createFromArray(params));
            float[] finalState = job.train().averageUpdaterState() ? state : meanOf(ownStates);
            if (finalState.length > 0) {
                network.setUpdaterState(Nd4j.createFromArray(finalState));
            }
            List<Map<String, Object>> perWorker = new ArrayList<>();
            workers.forEach((worker, s) -> perWorker.add(s.toMap(worker)));
            return new Result(network, List.copyOf(history), seen, seconds, perWorker);
        }
    }

    /**
     * Frees this trainer's replicas (training and evaluation) in this JVM and in the executors that hold
     * {@code partitions}, which are the executors its rounds and evaluations ran on (Spark schedules them
     * where the cached blocks are).
     */
    public void release(JavaRDD<DecodedPartition> partitions) {
        String id = jobId;
        Replicas.release(id);
        partitions.foreachPartition(p -> Replicas.release(id));
    }

    /** The replicas of this trainer's jobs still held in this JVM (for tests). */
    int replicasHeld() {
        return Replicas.held(jobId);
    }

    private static float[] meanOf(float[][] states) {
        double[] sum = new double[states[0].length];
        for (float[] s : states) {
            for (int i = 0; i < s.length; i++) {
                sum[i] += s[i];
            }
        }
        return RoundResult.mean(sum, states.length);
    }

    /** Distributed evaluation of parameters on cached held-out partitions. */
    public Metrics evaluate(JavaRDD<DecodedPartition> heldOut, NetworkSpec spec, float[] params, InputShape shape,
                            LabelIndex labels, Normalisation normalisation) {
        Broadcast<float[]> bParams = sc.broadcast(params);
        EvalTask.Part part = heldOut.mapPartitions(new EvalTask(jobId, spec, bParams, shape, labels.labels(),
                        normalisation, job.train().evalBatchSize(), job.train().threadsPerWorker()))
                .treeAggregate(new EvalTask.Part(labels.labels()), EvalTask.Part::merge, EvalTask.Part::merge);
        bParams.destroy();
        long n = part.evaluation.getNumRowCounter();
        return Metrics.of(part.evaluation, labels.labels(), n == 0 ? Double.NaN : part.lossSum / n);
    }

    private static float[] stateOf(Network network) {
        INDArray state = network.updaterState();
        return state == null ? new float[0] : state.data().asFloat();
    }

    private static void logRound(int epoch, int round, int rounds, int totalRounds, RoundResult r, long roundStart,
                                 long epochStart, double secondsBefore) {
        long now = System.nanoTime();
        int done = epoch * rounds + round + 1;
        double eta = (secondsBefore + (now - epochStart) / 1e9) / done * (totalRounds - done);
        LOG.info(String.format(Locale.ROOT, "round %d/%d epoch %d: loss %.4f, %d images from %d workers, %.0f images/s, ETA %s",
                done, totalRounds, epoch + 1, r.minibatches == 0 ? Double.NaN : r.lossSum / r.minibatches, r.images,
                r.workers, r.images / ((now - roundStart) / 1e9), duration(eta)));
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
