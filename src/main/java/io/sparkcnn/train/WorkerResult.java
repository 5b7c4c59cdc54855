package io.sparkcnn.train;

import org.nd4j.linalg.api.ndarray.INDArray;

/** What one worker sends back after a round: its parameters, its updater state, and what it did. */
public record WorkerResult(INDArray params, INDArray updaterState, double lossSum, int minibatches, long images) {
    public double meanLoss() {
        return minibatches == 0 ? Double.NaN : lossSum / minibatches;
    }
}
