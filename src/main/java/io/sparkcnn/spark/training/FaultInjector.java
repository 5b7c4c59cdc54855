package io.sparkcnn.spark.training;

import java.io.Serializable;

/** Lets tests fail a training task at a chosen point, to prove that Spark's retry gives the same result. */
@FunctionalInterface
public interface FaultInjector extends Serializable {
    FaultInjector NONE = (worker, epoch, round, attempt) -> { };

    /** Called after a worker fitted its minibatches of a round, before it returns them. */
    void afterFit(int worker, int epoch, int round, int attempt);
}
