package io.sparkcnn.kernels;

import org.bytedeco.dnnl.memory;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The arrays of one network's forward and backward passes that a spark-cnn oneDNN kernel wrote and still holds
 * in oneDNN's layout: the kernel that reads such an array next (the batch norm after a convolution, the
 * convolution after a ReLU, their gradients backwards) takes that copy instead of reordering DL4J's NCHW array
 * into the same layout again. Between two oneDNN layers this halves the reorders, which on wide, cheap layers
 * (MobileNetV2's) cost more than the layers' arithmetic.
 *
 * <p>Arrays are matched by identity, never by address (DL4J's workspaces hand out the same addresses pass after
 * pass). A copy is only right while nobody changes the array in place between the kernel that offers it and the
 * one that takes it: {@link CpuKernels} lets a kernel offer only where every reader of the array is a spark-cnn
 * kernel or a DL4J vertex that copies before it writes (its output), and only where no other gradient is added to
 * it in place (its input gradient: DL4J's ComputationGraph sums the gradients of an array read by two vertices
 * into the first one). A copy stays right until its kernel runs again, which replaces it here.
 *
 * <p>One per network, used from the one thread that runs it, like the network's layers.
 */
final class BlockedCopies {
    /** More than the arrays of any network's pass: a copy dropped early only costs its reorder. */
    private static final int KEPT = 512;

    private final ArrayDeque<Copy> copies = new ArrayDeque<>();
    private long taken;

    private record Copy(INDArray array, memory blocked) {
    }

    /** A layer or helper whose oneDNN kernel can take part. */
    interface Participant {
        /** The layer's oneDNN kernel; null where oneDNN is not available. */
        OneDnnKernel oneDnnKernel();

        default void share(Sharing sharing) {
            if (oneDnnKernel() != null) {
                oneDnnKernel().share(sharing);
            }
        }

        /** How it takes part now ({@link Sharing#NONE} until {@link #share}, and without oneDNN). */
        default Sharing sharing() {
            return oneDnnKernel() == null ? Sharing.NONE : oneDnnKernel().sharing();
        }
    }

    /**
     * How one layer's kernel takes part: the network's copies it looks its inputs up in (null: none), and whether
     * it may offer its output and its input gradient there ({@link CpuKernels} decides from the network's shape).
     */
    record Sharing(BlockedCopies copies, boolean output, boolean inputGradient) {
        static final Sharing NONE = new Sharing(null, false, false);

        /** Where the output is offered, or null. */
        BlockedCopies outputTo() {
            return output ? copies : null;
        }

        /** Where the input gradient is offered, or null. */
        BlockedCopies inputGradientTo() {
            return inputGradient ? copies : null;
        }
    }

    /**
     * Records that {@code blocked}, a memory of the offering kernel's own, holds what was just written to
     * {@code array}. An earlier copy in the same memory (the kernel's previous call) is forgotten.
     */
    void offer(INDArray array, memory blocked) {
        for (Iterator<Copy> it = copies.iterator(); it.hasNext(); ) {
            Copy c = it.next();
            if (c.blocked == blocked || c.array == array) {
                it.remove();
            }
        }
        copies.addFirst(new Copy(array, blocked));
        if (copies.size() > KEPT) {
            copies.removeLast();
        }
    }

    /** The copy of {@code array} in layout {@code wanted}, or null: none offered, or in another layout. */
    memory find(INDArray array, memory.desc wanted) {
        for (Copy c : copies) {
            if (c.array == array) {
                if (!c.blocked.get_desc().equals(wanted)) {
                    return null;
                }
                taken++;
                return c.blocked;
            }
        }
        return null;
    }

    /** How many reorders {@link #find} has saved. */
    long taken() {
        return taken;
    }

    /** Whether {@code blocked} still holds the copy of {@code array} (its kernel has not run since). */
    boolean holds(INDArray array, memory blocked) {
        for (Copy c : copies) {
            if (c.array == array) {
                return c.blocked == blocked;
            }
        }
        return false;
    }
}
