package io.sparkcnn.config;

import java.io.Serializable;

/**
 * What to train, how each worker optimises it, and how the work is spread over workers and rounds.
 * {@code networkFile} is the configuration a {@code file:} architecture names (null for the built-in ones).
 */
public record TrainConfig(Architecture architecture, Stem stem, OptimiserConfig optimiser, int batchSizePerWorker,
                          TrainingStrategy strategy, int epochs, int workers, int threadsPerWorker,
                          AveragingConfig averaging, int roundTimeoutSeconds, int evalBatchSize,
                          EarlyStoppingConfig earlyStopping, NetworkFile networkFile) implements Serializable {
    /** A network configuration the user wrote: where it was read from, and its JSON. */
    public record NetworkFile(String path, String json) implements Serializable {
    }

    public TrainConfig {
        if ((architecture == Architecture.FILE) != (networkFile != null)) {
            throw new IllegalArgumentException("a file: architecture needs its network file, and only it");
        }
        if (architecture == null) {
            throw new ConfigException(Settings.MODEL_ARCHITECTURE.key(),
                    "must be " + Settings.MODEL_ARCHITECTURE.allowed());
        }
        if (stem == null) {
            throw new ConfigException(Settings.MODEL_STEM.key(), "must be " + Settings.MODEL_STEM.allowed());
        }
        if (optimiser == null) {
            throw new IllegalArgumentException("no optimiser configuration");
        }
        Settings.TRAIN_BATCH_SIZE_PER_WORKER.check(batchSizePerWorker);
        if (strategy == null) {
            throw new ConfigException(Settings.TRAIN_STRATEGY.key(), "must be " + Settings.TRAIN_STRATEGY.allowed());
        }
        Settings.TRAIN_EPOCHS.check(epochs);
        if (optimiser.schedule() == LearningRateSchedule.COSINE && optimiser.warmupEpochs() >= epochs) {
            throw new ConfigException(Settings.TRAIN_WARMUP_EPOCHS.key(), "must be less than train.epochs = " + epochs
                    + " (the cosine schedule decays over the epochs after the warm-up), got "
                    + optimiser.warmupEpochs());
        }
        Settings.TRAIN_WORKERS.check(workers);
        Settings.TRAIN_THREADS_PER_WORKER.check(threadsPerWorker);
        if (averaging == null) {
            throw new IllegalArgumentException("no averaging configuration (AveragingConfig.defaults())");
        }
        Settings.TRAIN_ROUND_TIMEOUT_SECONDS.check(roundTimeoutSeconds);
        Settings.TRAIN_EVAL_BATCH_SIZE.check(evalBatchSize);
        if (earlyStopping == null) {
            throw new IllegalArgumentException("no early stopping configuration (EarlyStoppingConfig.OFF: none)");
        }
        if (!averaging.plainMean() && strategy == TrainingStrategy.DL4J_STOCK) {
            String key = averaging.outerMomentum() != 0 ? Settings.TRAIN_OUTER_MOMENTUM.key()
                    : Settings.TRAIN_OUTER_LEARNING_RATE.key();
            throw new ConfigException(key, "needs train.strategy = averaging (dl4j-spark's master has no outer "
                    + "optimiser): leave train.outerLearningRate = 1 and train.outerMomentum = 0 with dl4j-stock");
        }
        if (earlyStopping.enabled() && strategy == TrainingStrategy.DL4J_STOCK) {
            throw new ConfigException(Settings.TRAIN_EARLY_STOPPING_METRIC.key(), "needs train.strategy = averaging "
                    + "(the dl4j-stock reference strategy runs every epoch), got " + earlyStopping.metricName());
        }
    }

    /** The defaults of everything but the architecture and updater, for code and tests. */
    public static TrainConfig of(Architecture architecture, UpdaterKind updater, double learningRate,
                                 int batchSizePerWorker) {
        return new TrainConfig(architecture, Stem.AUTO, OptimiserConfig.of(updater, learningRate), batchSizePerWorker,
                TrainingStrategy.fromConfig(Settings.TRAIN_STRATEGY.defaultValue()),
                Settings.TRAIN_EPOCHS.defaultValue(),
                Settings.TRAIN_WORKERS.defaultValue(), Settings.TRAIN_THREADS_PER_WORKER.defaultValue(),
                AveragingConfig.defaults(),
                Settings.TRAIN_ROUND_TIMEOUT_SECONDS.defaultValue(), Settings.TRAIN_EVAL_BATCH_SIZE.defaultValue(),
                EarlyStoppingConfig.OFF, null);
    }

    /** model.architecture as configured: a built-in's name, or file:<path>. */
    public String architectureName() {
        return networkFile != null ? Architecture.FILE_PREFIX + networkFile.path() : architecture.configName();
    }

    /** The number of workers on a cluster with {@code parallelism} cores for tasks. */
    public int workersFor(int parallelism) {
        return workers > 0 ? workers : Math.max(1, parallelism / threadsPerWorker);
    }

    /** K as configured: 0 when it is chosen from measured fit time. */
    public int averagingFrequency() {
        return averaging.frequency();
    }

    public boolean averageUpdaterState() {
        return averaging.updaterState();
    }

    /** This configuration with {@code newAveraging}. */
    public TrainConfig with(AveragingConfig newAveraging) {
        return new TrainConfig(architecture, stem, optimiser, batchSizePerWorker, strategy, epochs, workers,
                threadsPerWorker, newAveraging, roundTimeoutSeconds, evalBatchSize, earlyStopping, networkFile);
    }
}
