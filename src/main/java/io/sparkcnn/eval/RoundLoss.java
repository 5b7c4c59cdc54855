package io.sparkcnn.eval;

import java.io.Serializable;

/** One averaging round's mean training loss, numbered from 1 over the run, with its epoch (from 1). */
public record RoundLoss(int round, int epoch, double loss) implements Serializable {
}
