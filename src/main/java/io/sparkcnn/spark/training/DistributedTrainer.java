package io.sparkcnn.spark.training;

import io.sparkcnn.config.AveragingConfig;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.Normalisation;
import io.sparkcnn.eval.Metrics;
import io.sparkcnn.eval.Mistake;
import io.sparkcnn.eval.RoundLoss;
import io.sparkcnn.data.Augmentation;
import io.sparkcnn.model.Architectures;
import io.sparkcnn.model.FineTuning;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.Network;
import io.sparkcnn.model.NetworkSpec;
import io.sparkcnn.model.Provenance;
import io.sparkcnn.spark.lake.DecodedPartition;
import io.sparkcnn.spark.lake.PreparedData;
import io.sparkcnn.train.Backends;
import io.sparkcnn.train.EpochPlan;
import io.sparkcnn.train.OuterOptimiser;
import io.sparkcnn.train.WorkerCompute;
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
public final class DistributedTrainer implements Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(DistributedTrainer.class);
    /**
     * At most this many minibatches, for at most half of train.roundSeconds after the first, each worker fits
     * to time itself when K is to be chosen (the first of them, and a JIT compiler's warm-up, are slow), in a
     * job shaped like a round, which also times what a round costs besides its tasks.
     */
    private static final int PROBE_MINIBATCHES = 200;

    /** An evaluation's metrics and its most confident mistakes (for the report). */
    public record Evaluated(Metrics metrics, List<Mistake> misses) {
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

    @Override
    public TrainingResult train(PreparedData data, Checkpointing checkpointing) {
        return train(data.train(), data.heldOut(), data.labels(), data.shape(), data.normalisation(), checkpointing,
                null);
    }

    @Override
    public boolean checkpoints() {
        return true;
    }

    public TrainingResult train(JavaRDD<DecodedPartition> train, JavaRDD<DecodedPartition> heldOut, LabelIndex labels,
                        InputShape shape, Normalisation normalisation) {
        return train(train, heldOut, labels, shape, normalisation, Checkpointing.NONE);
    }

    public TrainingResult train(JavaRDD<DecodedPartition> train, JavaRDD<DecodedPartition> heldOut, LabelIndex labels,
                 InputShape shape, Normalisation normalisation, Checkpointing checkpointing) {
        return train(train, heldOut, labels, shape, normalisation, checkpointing, null);
    }

    /** Trains starting from {@code warm} (when not null) instead of a fresh initialisation. */
    public TrainingResult train(JavaRDD<DecodedPartition> train, JavaRDD<DecodedPartition> heldOut, LabelIndex labels,
                 InputShape shape, Normalisation normalisation, Checkpointing checkpointing, WarmStart warm) {
        Run run = new Run(train, heldOut, labels, shape, normalisation, checkpointing, warm);
        while (!run.done()) {
            run.epoch();
        }
        return run.finish();
    }

    /** Starts a training run that the caller drives epoch by epoch (benchmarks interleave runs this way). */
    public Run start(JavaRDD<DecodedPartition> train, JavaRDD<DecodedPartition> heldOut, LabelIndex labels,
                     InputShape shape, Normalisation normalisation) {
        return new Run(train, heldOut, labels, shape, normalisation, Checkpointing.NONE, null);
    }

    /**
     * Where a warm-started run begins: a trained network's parameters and, when it has the same length as the
     * configured updater's, its updater state (empty: the updater starts afresh).
     */
    /**
     * An epoch's wall seconds in its rounds, and the seconds the slowest worker of each round spent fitting and in
     * its whole task, summed over the rounds.
     */
    public record EpochTime(double seconds, double fitSeconds, double taskSeconds) {
        public double fitShare() {
            return fitSeconds / seconds;
        }
    }

    public record WarmStart(float[] params, float[] state, String from) {
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
        private final OuterOptimiser outer;
        private final long total;
        private final int rounds;
        private final List<Metrics> history = new ArrayList<>();
        private final List<RoundLoss> roundLosses = new ArrayList<>();
        private List<Mistake> lastMisses = List.of();
        private EpochTime lastEpochTime;
        private final RoundWatch watch = new RoundWatch(sc);
        private final Map<Integer, WorkerStats> workers = new TreeMap<>();
        private final Checkpointing checkpointing;
        private final Map<String, String> identity;
        private float[] params;
        /** The merged updater state, or with train.averageUpdaterState false, each worker's own. */
        private float[] state;
        private float[][] ownStates;
        private int epoch;
        /** The round of {@link #epoch} to run next: 0 except in the first epoch after a resume. */
        private int nextRound;
        private Checkpoint.EpochTally tally = new Checkpoint.EpochTally();
        /** Images seen in finished epochs. */
        private long seen;
        private double seconds;
        /** With early stopping: the best epoch so far. */
        private Checkpoint.BestEpoch best;

        private Run(JavaRDD<DecodedPartition> train, JavaRDD<DecodedPartition> heldOut, LabelIndex labels,
                    InputShape shape, Normalisation normalisation, Checkpointing checkpointing, WarmStart warm) {
            this.checkpointing = checkpointing;
            this.train = train;
            this.heldOut = heldOut;
            this.labels = labels;
            this.shape = shape;
            this.normalisation = normalisation;
            TrainConfig t = job.train();
            LOG.info("Driver backend: {} (compute.backend = {})", Backends.require(job.backend()),
                    job.backend().configName());
            if (job.fineTune().enabled()) {
                FineTuning.Start start = FineTuning.prepare(FineTuneSource.load(job, sc.hadoopConfiguration()), shape,
                        labels, t, job.seed(), job.fineTune().freeze());
                LOG.info("Fine-tuning {}", start.description());
                spec = start.spec();
                network = spec.build();
                params = start.params();
                network.setParams(Nd4j.createFromArray(params));
            } else {
                spec = Architectures.build(t, shape, labels.size(), job.seed());
                network = spec.build();
                params = network.params().data().asFloat();
            }
            state = stateOf(network);
            if (warm != null) {
                warmStart(warm);
            }
            List<Integer> sizes = train.map(DecodedPartition::count).collect();
            ownStates = new float[sizes.size()][];
            java.util.Arrays.fill(ownStates, state);
            total = sizes.stream().mapToLong(Integer::longValue).sum();
            int largest = sizes.stream().mapToInt(Integer::intValue).max().orElse(0);
            if (total == 0) {
                throw new io.sparkcnn.data.DataException("no training images to fit");
            }
            // Each worker returns its parameters and updater state (averaged or its own) every round.
            requireResultsFit(sc.getConf().getSizeAsBytes("spark.driver.maxResultSize", "1g"), sizes.size(),
                    4L * (params.length + state.length));
            plan = new EpochPlan(job.seed(), t.batchSizePerWorker(), averagingFrequency(checkpointing, largest));
            rounds = plan.roundsPerEpoch(largest);
            outer = new OuterOptimiser(t.averaging().outerLearningRate(), t.averaging().outerMomentum());
            LOG.info("Training {} on {} images: {} workers ({} to {} images each), minibatch {}, K = {}, {} rounds "
                            + "per epoch, {} epochs, {} parameters{}", t.architectureName(), total, sizes.size(),
                    sizes.stream().mapToInt(Integer::intValue).min().orElse(0), largest, t.batchSizePerWorker(),
                    plan.averagingFrequency(), rounds, t.epochs(), params.length, outer.plain() ? ""
                            : String.format(Locale.ROOT, "; outer optimiser: Nesterov, rate %s, momentum %s",
                            t.averaging().outerLearningRate(), t.averaging().outerMomentum()));
            Map<String, String> id = new TreeMap<>(checkpointing.identity());
            id.put("training partitions (images each)", sizes.toString());
            id.put("parameters", String.valueOf(params.length));
            identity = Map.copyOf(id);
            if (checkpointing.resumeFrom() != null) {
                resume(checkpointing.resumeFrom());
            }
        }

        private void warmStart(WarmStart warm) {
            if (warm.params().length != params.length) {
                throw new io.sparkcnn.config.ConfigException(io.sparkcnn.config.Settings.MODEL_ARCHITECTURE.key(),
                        "the configured network has " + params.length + " parameters, " + warm.from() + " has "
                                + warm.params().length + ": a warm start needs the same architecture and classes");
            }
            params = warm.params();
            if (warm.state().length == state.length) {
                state = warm.state();
                LOG.info("Warm start from {}: parameters and updater state", warm.from());
            } else {
                LOG.info("Warm start from {}: parameters; the updater starts afresh ({})", warm.from(),
                        warm.state().length == 0 ? "no updater state saved or classes added"
                                : "the saved state has " + warm.state().length + " values, train.updater needs "
                                + state.length);
            }
        }

        /**
         * K as configured; when it is to be chosen, the one the checkpoint resumed from used, or one chosen from
         * how long the slowest worker takes to fit a minibatch.
         */
        private int averagingFrequency(Checkpointing checkpointing, int largest) {
            AveragingConfig averaging = job.train().averaging();
            if (!averaging.chosen()) {
                return averaging.frequency();
            }
            Checkpoints.Loaded loaded = checkpointing.resumeFrom();
            if (loaded != null && loaded.checkpoint().averagingFrequency() > 0) {
                return loaded.checkpoint().averagingFrequency();
            }
            if ((largest + job.train().batchSizePerWorker() - 1) / job.train().batchSizePerWorker()
                    <= AveragingConfig.MIN_CHOSEN_FREQUENCY) {
                return AveragingConfig.MIN_CHOSEN_FREQUENCY; // one round an epoch whatever K is: nothing to time
            }
            Broadcast<float[]> bParams = sc.broadcast(params);
            Broadcast<UpdaterStates> bState = sc.broadcast(UpdaterStates.merged(state));
            RoundTask task = roundTask(bParams, bState, new EpochPlan(job.seed(), job.train().batchSizePerWorker(),
                    AveragingConfig.MIN_CHOSEN_FREQUENCY), 0, 0);
            long start = System.nanoTime();
            RoundResult probe = watch.run(jobId + "/probe", "timing the workers' minibatches",
                    job.train().roundTimeoutSeconds(), () -> train.mapPartitions(partitions -> List.of(task.probe(
                                    partitions, PROBE_MINIBATCHES, averaging.roundSeconds() / 2)).iterator())
                            .treeAggregate(new RoundResult(), RoundResult::merge, RoundResult::merge,
                                    AggregationTree.forWorkers(ownStates.length).depth()));
            double overhead = Math.max(0, (System.nanoTime() - start) / 1e9 - probe.taskSeconds);
            bParams.destroy();
            bState.destroy();
            int k = averaging.frequencyFor(probe.secondsPerMinibatch, overhead);
            LOG.info(String.format(Locale.ROOT, "Averaging frequency K = %d: the slowest worker fits a minibatch in "
                    + "%.1f ms, a round costs %.0f ms besides the tasks, and a round aims at %.1f s of fitting "
                    + "(train.roundSeconds) and at least %.0f%% of its time fitting (set train.averagingFrequency to "
                    + "fix K)", k, 1000 * probe.secondsPerMinibatch, 1000 * overhead, averaging.roundSeconds(),
                    100 * AveragingConfig.FITTING_SHARE));
            return k;
        }

        private void resume(Checkpoints.Loaded loaded) {
            Checkpoint c = loaded.checkpoint();
            c.requireSameRun(identity, loaded.location());
            params = c.params();
            state = c.state();
            ownStates = c.ownStates();
            epoch = c.epoch();
            nextRound = c.round();
            tally = c.tally();
            seen = c.seen();
            seconds = c.seconds();
            history.addAll(c.history());
            workers.putAll(c.workers());
            best = c.best();
            outer.restore(c.outerVelocity());
            LOG.info("Resuming from checkpoint {}: epoch {}/{}, round {}/{}, {} images seen so far", loaded.location(),
                    epoch + 1, job.train().epochs(), nextRound, rounds, seen + tally.images);
        }

        private void checkpoint(long roundsDone) {
            try {
                checkpointing.store().save(new Checkpoint(identity, epoch, nextRound, roundsDone, seen, seconds,
                        tally, params, state, ownStates.clone(), List.copyOf(history), new TreeMap<>(workers), best,
                        plan.averagingFrequency(), outer.velocity()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot write a checkpoint to "
                        + checkpointing.store().location() + " (see train.checkpoint.everyRounds): " + e.getMessage(), e);
            }
        }

        public boolean done() {
            return epoch >= job.train().epochs() || (!history.isEmpty() && stopping().stop());
        }

        private EarlyStopping stopping() {
            return EarlyStopping.decide(job.train().earlyStopping(), history, job.train().epochs());
        }

        /** Trains one epoch, evaluates on the held-out split and returns the metrics. */
        public Metrics epoch() {
            TrainConfig t = job.train();
            long start = System.nanoTime();
            double before = tally.seconds;
            for (int round = nextRound; round < rounds; round++) {
                long roundStart = System.nanoTime();
                Broadcast<float[]> bParams = sc.broadcast(params);
                Broadcast<UpdaterStates> bState = sc.broadcast(t.averageUpdaterState()
                        ? UpdaterStates.merged(state) : UpdaterStates.perWorker(ownStates));
                RoundTask task = roundTask(bParams, bState, plan, epoch, round);
                RoundResult r = watch.run(jobId + "/epoch-" + epoch + "/round-" + round,
                        "round " + (round + 1) + "/" + rounds + " of epoch " + (epoch + 1), t.roundTimeoutSeconds(),
                        () -> train.mapPartitions(task).treeAggregate(new RoundResult(), RoundResult::merge,
                                RoundResult::merge, AggregationTree.forWorkers(ownStates.length).depth()));
                bParams.destroy();
                bState.destroy();
                params = outer.step(params, RoundResult.mean(r.paramSum, r.workers));
                if (t.averageUpdaterState()) {
                    state = RoundResult.mean(r.stateSum, r.workers);
                } else {
                    r.ownStates.forEach((worker, s) -> ownStates[worker] = s);
                }
                r.stats.forEach((worker, s) -> workers.merge(worker, s, WorkerStats::plus));
                tally.add(r);
                tally.seconds = before + (System.nanoTime() - start) / 1e9;
                nextRound = round + 1;
                long roundsDone = (long) epoch * rounds + nextRound;
                logRound(epoch, round, rounds, rounds * t.epochs(), r, roundStart, seconds + tally.seconds);
                roundLosses.add(new RoundLoss((int) roundsDone, epoch + 1,
                        r.minibatches == 0 ? Double.NaN : r.lossSum / r.minibatches));
                if (checkpointing.store() != null && nextRound < rounds && checkpointing.config().dueAfter(roundsDone)) {
                    checkpoint(roundsDone);
                }
            }
            if (tally.images != total) {
                throw new IllegalStateException("epoch " + (epoch + 1) + " visited " + tally.images
                        + " images, the training split has " + total);
            }
            double epochSeconds = tally.seconds;
            lastEpochTime = new EpochTime(epochSeconds, tally.fitSeconds, tally.taskSeconds);
            LOG.info(String.format(Locale.ROOT, "epoch %d: %.1f s, %.0f images/s; the slowest worker of each round "
                            + "spent %.0f%% of the time fitting and %.0f%% in its task (the rest: scheduling, "
                            + "broadcast, merging)", epoch + 1, epochSeconds, tally.images / epochSeconds,
                    100 * tally.fitSeconds / epochSeconds, 100 * tally.taskSeconds / epochSeconds));
            Evaluated evaluated = evaluateInDetail(heldOut, spec, params, shape, labels, normalisation);
            Metrics m = evaluated.metrics();
            lastMisses = evaluated.misses();
            history.add(m);
            LOG.info("Epoch {}/{}: {} images visited once each, mean training loss {}\n{}", epoch + 1, t.epochs(),
                    tally.images, String.format(Locale.ROOT, "%.4f", tally.lossSum / tally.minibatches), m.table());
            if (t.earlyStopping().enabled()) {
                EarlyStopping choice = stopping();
                if (choice.bestEpoch() == history.size()) {
                    best = new Checkpoint.BestEpoch(history.size(), params.clone(), currentState().clone(),
                            lastMisses);
                }
                LOG.info("Early stopping on held-out {}: {}", t.earlyStopping().metricName(), choice.reason());
            }
            seen += tally.images;
            seconds += epochSeconds;
            epoch++;
            nextRound = 0;
            tally = new Checkpoint.EpochTally();
            if (checkpointing.store() != null) {
                checkpoint((long) epoch * rounds);
            }
            return m;
        }

        private RoundTask roundTask(Broadcast<float[]> bParams, Broadcast<UpdaterStates> bState, EpochPlan roundPlan,
                                    int roundEpoch, int round) {
            return new RoundTask(jobId, spec, bParams, bState, roundPlan, roundEpoch, round, shape, labels.size(),
                    normalisation, new Augmentation(job.data().augment(), job.seed()),
                    job.train().optimiser().labelSmoothing(), compute(), faults);
        }

        public int roundsPerEpoch() {
            return rounds;
        }

        /** K: the minibatches each worker fits in a round, as configured or chosen. */
        public int averagingFrequency() {
            return plan.averagingFrequency();
        }

        /** The updater state a warm start continues from (without averaging: the mean of the workers' own). */
        private float[] currentState() {
            return job.train().averageUpdaterState() ? state : meanOf(ownStates);
        }

        /** The last epoch's timing; null before the first. */
        public EpochTime lastEpochTime() {
            return lastEpochTime;
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
        public TrainingResult finish() {
            watch.close();
            release(train.union(heldOut));
            EarlyStopping ending = stopping();
            // With early stopping the model is the best epoch's; else (and when the best is the last) the last one's.
            boolean fromBest = best != null && best.epoch() == ending.bestEpoch() && best.epoch() != history.size();
            network.setParams(Nd4j.createFromArray(fromBest ? best.params() : params));
            float[] finalState = fromBest ? best.state() : currentState();
            if (finalState.length > 0) {
                network.setUpdaterState(Nd4j.createFromArray(finalState));
            }
            List<Provenance.Worker> perWorker = new ArrayList<>();
            workers.forEach((worker, s) -> perWorker.add(s.toProvenance(worker)));
            LOG.info("Training ended: {}; the model holds epoch {}'s parameters", ending.reason(), ending.bestEpoch());
            return new TrainingResult(network, List.copyOf(history), seen, seconds, perWorker, List.copyOf(roundLosses),
                    fromBest ? best.misses() : lastMisses, ending.bestEpoch(), ending.reason(), plan.averagingFrequency());
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

    /**
     * Fails before the first round when a round would return more to the driver than spark.driver.maxResultSize
     * lets it take (Spark would abort the round, after the workers had fitted it, with a message about a stage).
     */
    static void requireResultsFit(long limit, int workers, long bytesPerWorker) {
        long needed = AggregationTree.forWorkers(workers).driverBytes(bytesPerWorker);
        if (limit > 0 && needed > limit) {
            throw new io.sparkcnn.config.ConfigException("spark.driver.maxResultSize", String.format(Locale.ROOT,
                    "is %d MB, and each averaging round returns up to %d MB to the driver (%d workers, %d MB each: "
                            + "the parameters and the updater state as floats, in doubles once merged); set it "
                            + "above that (the job file's spark.conf { \"spark.driver.maxResultSize\" = %dm }, or "
                            + "spark-submit --conf spark.driver.maxResultSize=%dm) and give the driver the memory",
                    limit >> 20, needed >> 20, workers, bytesPerWorker >> 20, (needed >> 20) * 2,
                    (needed >> 20) * 2));
        }
    }

    private WorkerCompute compute() {
        return new WorkerCompute(job.train().threadsPerWorker(), job.backend());
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
        return evaluateInDetail(heldOut, spec, params, shape, labels, normalisation).metrics();
    }

    /** {@link #evaluate}, with the most confident mistakes. */
    public Evaluated evaluateInDetail(JavaRDD<DecodedPartition> heldOut, NetworkSpec spec, float[] params,
                                      InputShape shape, LabelIndex labels, Normalisation normalisation) {
        Broadcast<float[]> bParams = sc.broadcast(params);
        EvalTask.Part part = heldOut.mapPartitions(new EvalTask(jobId, spec, bParams, shape, labels.labels(),
                        normalisation, job.train().evalBatchSize(), compute()))
                .treeAggregate(new EvalTask.Part(labels.labels()), EvalTask.Part::merge, EvalTask.Part::merge);
        bParams.destroy();
        long n = part.evaluation.getNumRowCounter();
        return new Evaluated(Metrics.of(part.evaluation, labels.labels(), n == 0 ? Double.NaN : part.lossSum / n),
                List.copyOf(part.misses));
    }

    private static float[] stateOf(Network network) {
        INDArray state = network.updaterState();
        return state == null ? new float[0] : state.data().asFloat();
    }

    private static void logRound(int epoch, int round, int rounds, int totalRounds, RoundResult r, long roundStart,
                                 double secondsSoFar) {
        int done = epoch * rounds + round + 1;
        double eta = secondsSoFar / done * (totalRounds - done);
        LOG.info(String.format(Locale.ROOT, "round %d/%d epoch %d: loss %.4f, %d images from %d workers, %.0f images/s, ETA %s",
                done, totalRounds, epoch + 1, r.minibatches == 0 ? Double.NaN : r.lossSum / r.minibatches, r.images,
                r.workers, r.images / ((System.nanoTime() - roundStart) / 1e9), duration(eta)));
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
