package io.sparkcnn.spark.training;

import io.sparkcnn.eval.Metrics;
import io.sparkcnn.eval.Mistake;
import io.sparkcnn.eval.RoundLoss;
import io.sparkcnn.model.Network;
import io.sparkcnn.model.Provenance;

import java.util.List;

/**
 * What a {@link Trainer} returns: the trained network, the held-out metrics after each epoch, the images seen and
 * the seconds spent training, where each worker ran and how fast (empty when the strategy does not say), the
 * training loss of each averaging round (of this process: a resumed run has the rounds since its resume) and the
 * last evaluation's most confident mistakes.
 */
public record TrainingResult(Network network, List<Metrics> epochs, long imagesSeen, double seconds,
                             List<Provenance.Worker> workers, List<RoundLoss> rounds, List<Mistake> misses) {
    /** The metrics of the last epoch. */
    public Metrics last() {
        return epochs.get(epochs.size() - 1);
    }
}
