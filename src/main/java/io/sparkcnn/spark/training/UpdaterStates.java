package io.sparkcnn.spark.training;

import java.io.Serializable;

/**
 * The updater states a round starts from: one merged state for every worker (train.averageUpdaterState), or
 * each worker's own, kept on the driver between rounds so that a retried task, wherever it runs, starts
 * from the state its worker had, never from what an executor remembers.
 */
record UpdaterStates(float[] merged, float[][] perWorker) implements Serializable {
    static UpdaterStates merged(float[] state) {
        return new UpdaterStates(state, null);
    }

    static UpdaterStates perWorker(float[][] states) {
        return new UpdaterStates(null, states);
    }

    float[] forWorker(int worker) {
        return merged != null ? merged : perWorker[worker];
    }
}
