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
 * most confident mistakes of the epoch whose parameters the network holds ({@code modelEpoch}, from 1: the last
 * one, or with early stopping the best one) and why training ended.
 */
public record TrainingResult(Network network, List<Metrics> epochs, long imagesSeen, double seconds,
                             List<Provenance.Worker> workers, List<RoundLoss> rounds, List<Mistake> misses,
                             int modelEpoch, String ended, int averagingFrequency) {
    /** A run that trained every epoch and keeps the last one's parameters. */
    public TrainingResult(Network network, List<Metrics> epochs, long imagesSeen, double seconds,
                          List<Provenance.Worker> workers, List<RoundLoss> rounds, List<Mistake> misses,
                          int averagingFrequency) {
        this(network, epochs, imagesSeen, seconds, workers, rounds, misses, epochs.size(),
                "train.epochs = " + epochs.size() + " reached", averagingFrequency);
    }

    /** The held-out metrics of the network's parameters: those of epoch {@code modelEpoch}. */
    public Metrics model() {
        return epochs.get(modelEpoch - 1);
    }
}
