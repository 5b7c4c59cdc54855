package io.sparkcnn.kernels;

import org.deeplearning4j.nn.api.Layer;

import java.util.function.Supplier;

/**
 * How a caller that observes only a network's result (its class probabilities, its loss) runs inference passes:
 * an array between two oneDNN layers then stays in oneDNN's layout only, never written to DL4J's NCHW array
 * ({@link BlockedCopies}). During such a pass nothing but the result may be read from the network (DL4J's
 * {@code feedForward} lists every layer's activations, and would show those arrays unwritten): Network's
 * {@code output} and {@code score}, which return only the result, run their passes through this.
 */
public final class InferencePasses {
    private final BlockedCopies copies;

    private InferencePasses(BlockedCopies copies) {
        this.copies = copies;
    }

    /** For a network's layers, after {@link CpuKernels#install}. */
    public static InferencePasses of(Layer[] layers) {
        for (Layer layer : layers) {
            BlockedCopies.Participant p = CpuKernels.participant(layer);
            if (p != null && p.sharing().outputUnread()) {
                return new InferencePasses(p.sharing().copies());
            }
        }
        return new InferencePasses(null);
    }

    /** Runs {@code pass}, one forward pass of the network in inference whose caller keeps only the result. */
    public <T> T run(Supplier<T> pass) {
        return copies == null ? pass.get() : copies.resultOnly(pass);
    }
}
