package io.sparkcnn.spark.training;

import io.sparkcnn.config.CheckpointConfig;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.spark.lake.PreparedData;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.Map;

/**
 * A strategy that trains a network on a job's prepared data across Spark's executors and evaluates it on the
 * held-out split after every epoch. Which one a job uses is {@code train.strategy}; what to train (architecture,
 * optimiser, data) is the same for both, so they compare on equal terms.
 */
public interface Trainer {
    /**
     * Trains a freshly initialised network on {@code data}; {@code checkpointing} says where and when to save
     * checkpoints and which one to resume from ({@link Checkpointing#NONE}: none).
     */
    TrainingResult train(PreparedData data, Checkpointing checkpointing) throws IOException;

    /** Whether this strategy writes checkpoints and can resume from one. */
    boolean checkpoints();

    /** The job's strategy ({@code train.strategy}). */
    static Trainer of(SparkSession spark, JobConfig job, FaultInjector faults) {
        return switch (job.train().strategy()) {
            case AVERAGING -> new DistributedTrainer(spark, job, faults);
            case DL4J_STOCK -> stock(spark, job);
        };
    }

    /** Built by name: the Spark 4 build leaves StockTrainer (and dl4j-spark) out, and refuses dl4j-stock. */
    private static Trainer stock(SparkSession spark, JobConfig job) {
        try {
            return (Trainer) Class.forName("io.sparkcnn.spark.training.StockTrainer")
                    .getConstructor(SparkSession.class, JobConfig.class).newInstance(spark, job);
        } catch (ClassNotFoundException e) {
            throw new io.sparkcnn.config.ConfigException(io.sparkcnn.config.Settings.TRAIN_STRATEGY.key(),
                    "dl4j-stock is not in this build (dl4j-spark exists only for Spark 3.5)");
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build StockTrainer", e);
        }
    }

    /**
     * Where and when a run saves checkpoints, what identifies the run (settings and data that must not change
     * across a resume), and the checkpoint it continues from, if any.
     */
    record Checkpointing(Checkpoints store, CheckpointConfig config, Map<String, String> identity,
                         Checkpoints.Loaded resumeFrom) {
        public static final Checkpointing NONE = new Checkpointing(null, null, Map.of(), null);
    }
}
