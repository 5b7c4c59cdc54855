package io.sparkcnn.spark.training;

import io.sparkcnn.config.ConfigException;
import org.slf4j.LoggerFactory;

import java.io.Serializable;

/**
 * Lets tests and fault drills act at a chosen point of a training task, to prove that Spark's retry gives the
 * same result: fail it, or hold it so that an executor can be killed while it is certainly still running.
 */
@FunctionalInterface
public interface FaultInjector extends Serializable {
    FaultInjector NONE = (worker, epoch, round, attempt) -> { };

    /**
     * The environment variable of a fault drill, {@code EPOCH/ROUND/SECONDS} (numbered from 1, as the logs
     * number them): worker 0's first attempt at that round waits that long after fitting, before it returns,
     * and logs "fault drill: holding" first, so a drill can kill its executor mid-task every time.
     */
    String HOLD_ENV = "SPARK_CNN_FAULT_HOLD";

    /** Called after a worker fitted its minibatches of a round, before it returns them. */
    void afterFit(int worker, int epoch, int round, int attempt);

    /** The drill {@link #HOLD_ENV} asks for in this (the driver's) environment, or {@link #NONE}. */
    static FaultInjector fromEnvironment() {
        String spec = System.getenv(HOLD_ENV);
        if (spec == null || spec.isBlank()) {
            return NONE;
        }
        String[] parts = spec.trim().split("/");
        try {
            if (parts.length == 3) {
                return new Hold(Integer.parseInt(parts[0]) - 1, Integer.parseInt(parts[1]) - 1,
                        Integer.parseInt(parts[2]));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(HOLD_ENV, "must be EPOCH/ROUND/SECONDS (e.g. 2/2/120), got \"" + spec + "\"");
    }

    /** Holds worker 0's first attempt at one round (epoch and round from 0) for {@code seconds}. */
    record Hold(int epoch, int round, int seconds) implements FaultInjector {
        @Override
        public void afterFit(int worker, int epoch, int round, int attempt) {
            if (worker != 0 || attempt != 0 || epoch != this.epoch || round != this.round) {
                return;
            }
            LoggerFactory.getLogger(FaultInjector.class).warn("fault drill: holding worker {} after fitting round {} "
                    + "of epoch {} for {} s", worker, round + 1, epoch + 1, seconds);
            try {
                Thread.sleep(seconds * 1000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
