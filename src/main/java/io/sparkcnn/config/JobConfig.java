package io.sparkcnn.config;

import java.io.Serializable;

/**
 * A whole job's configuration, immutable. Built by {@link JobConfigLoader} from the defaults declared
 * in {@link Settings}, a {@code conf/*.conf} file and command-line overrides, in rising precedence.
 */
public record JobConfig(long seed, DataConfig data, TrainConfig train, FineTuneConfig fineTune, CheckpointConfig checkpoint,
                        ComputeBackend backend, RegistryConfig registry, RetrainConfig retrain,
                        PredictConfig predict, ServeConfig serve,
                        String outputDir, SparkConfig spark)
        implements Serializable {
    public JobConfig {
        Settings.SEED.check(seed);
        Settings.OUTPUT_DIR.check(outputDir);
        if (data == null || train == null || fineTune == null || checkpoint == null || backend == null || registry == null || retrain == null || predict == null
                || serve == null
                || spark == null) {
            throw new ConfigException("data", "data, train, checkpoint and spark sections must be set");
        }
        if (data.augment().enabled() && train.strategy() == TrainingStrategy.DL4J_STOCK) {
            throw new ConfigException(Settings.AUGMENT_FLIP.key().replace(".flip", ""), "data.augment.* needs "
                    + "train.strategy = averaging (the dl4j-stock reference strategy trains on the cached images "
                    + "as they are)");
        }
        if (fineTune.enabled() && train.strategy() == TrainingStrategy.DL4J_STOCK) {
            throw new ConfigException(Settings.MODEL_INIT.key(), "needs train.strategy = averaging (the dl4j-stock "
                    + "reference strategy starts from a fresh network), got " + fineTune.init());
        }
        if (outputDir.isBlank()) {
            throw new ConfigException(Settings.OUTPUT_DIR.key(), "must be a non-empty path or URI, got \"\"");
        }
    }
}
