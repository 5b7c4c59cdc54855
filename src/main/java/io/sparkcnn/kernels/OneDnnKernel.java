package io.sparkcnn.kernels;

import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.stream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What each of spark-cnn's oneDNN kernels has per layer: its stream, how it takes part in the network's
 * {@link BlockedCopies}, and the input of its last training pass in oneDNN's layout, kept for the backward pass
 * (the kernel's own reordered copy, or the one the layer before lent it).
 */
abstract class OneDnnKernel {
    final stream stream = new stream(OneDnn.ENGINE);
    private BlockedCopies.Sharing sharing = BlockedCopies.Sharing.NONE;
    private INDArray keptOf;
    private memory kept;
    private boolean keptBorrowed;

    final void share(BlockedCopies.Sharing sharing) {
        this.sharing = sharing;
    }

    final BlockedCopies.Sharing sharing() {
        return sharing;
    }

    /** The network's copies to look inputs up in, or null. */
    final BlockedCopies copies() {
        return sharing.copies();
    }

    /**
     * Puts what the primitive wrote into {@code dst} into {@code out}, the layer's output ({@code offered}: as it
     * leaves the layer), offering the copy to the next kernel, or leaving {@code out} unwritten where the
     * network's shape and the pass allow ({@link BlockedCopies.Sharing#outputUnwritten}).
     */
    final void output(OneDnn.Operand dst, INDArray out, boolean offered) {
        BlockedCopies to = offered ? sharing.outputTo() : null;
        dst.out(stream, out, to, to != null && sharing.outputUnwritten());
    }

    /**
     * Puts {@code diffSrc}'s result into {@code gradient}, the layer's input gradient, offering the copy to the
     * layer before, or leaving {@code gradient} unwritten where the network's shape and the pass allow
     * ({@link BlockedCopies.Sharing#inputGradientUnwritten}).
     */
    final void inputGradient(OneDnn.Operand diffSrc, INDArray gradient) {
        diffSrc.out(stream, gradient, sharing.inputGradientTo(), sharing.inputGradientUnwritten());
    }

    /**
     * Where the copy of {@code x} already holds this layer's work (a convolution before it folded it in): makes
     * it the copy of {@code out}, the layer's output, and returns true; the layer has nothing to compute.
     */
    final boolean passedOn(INDArray x, INDArray out) {
        return copies() != null && copies().passOn(x, out, sharing.output(), sharing.outputUnwritten());
    }

    /**
     * {@code x}, written if a kernel before left it unwritten: for the layer's code that reads it other than
     * through this kernel (DL4J's, or spark-cnn's Java kernels on a geometry oneDNN does not take).
     */
    final INDArray nchw(INDArray x) {
        if (copies() != null) {
            copies().materialize(x);
        }
        return x;
    }

    /**
     * After a forward pass over {@code x}: in training keeps {@code src}, x in oneDNN's layout ({@code own}: the
     * kernel's own memory, else a copy another kernel lent); inference forgets what was kept.
     */
    final void keep(INDArray x, memory src, boolean own, boolean training) {
        keptOf = training ? x : null;
        kept = training ? src : null;
        keptBorrowed = !own;
    }

    /**
     * The kept copy of {@code x} in layout {@code wanted}, or null: the last pass was over another array or in
     * inference, or the kernel that lent the copy has run again since. Forgets it either way.
     */
    private memory kept(INDArray x, memory.desc wanted) {
        memory m = x == keptOf && kept.get_desc().equals(wanted) && (!keptBorrowed || copies().holds(x, kept))
                ? kept : null;
        keptOf = null;
        kept = null;
        return m;
    }

    /** The backward pass's copy of {@code x} for {@code operand}: the kept one if still right, else read anew. */
    final memory keptOrRead(INDArray x, OneDnn.Operand operand) {
        memory m = kept(x, operand.wanted);
        return m != null ? m : operand.in(x, stream, copies());
    }
}
