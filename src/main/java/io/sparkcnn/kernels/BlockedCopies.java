package io.sparkcnn.kernels;

import org.bytedeco.dnnl.memory;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.function.Consumer;

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
 * <p>In a pass whose caller observes only its result ({@link CpuKernels.ResultOnlyPasses}: the output or loss of
 * inference, the updated parameters and loss of a training step), an array that only such kernels read, forward
 * and backward, need not be written at all: its kernel offers the copy <em>unwritten</em>
 * ({@link #offerUnwritten}), and the NCHW array is written from it only if a reader asks for it in another
 * layout or as an array ({@link #find}, {@link #materialize}). Between two blocked layers the last reorder goes
 * too, which in inference, where nothing else runs between the layers, was as much work as the convolutions.
 *
 * <p>One per network, used from the one thread that runs it, like the network's layers.
 */
final class BlockedCopies {
    /** More than the arrays of any network's pass: a copy dropped early only costs its reorder. */
    private static final int KEPT = 512;

    private final ArrayDeque<Copy> copies = new ArrayDeque<>();
    private long taken;
    private long unwritten;
    private long passedOn;
    private boolean resultOnly;
    /** Whether the result-only pass running is a training step (forward and backward), not inference. */
    private boolean training;

    /**
     * {@code writer}: writes the copy into a given array; null when the array holds it already. {@code ahead}:
     * how many layers after the array's own the copy's values have been through already (a convolution that
     * folded the batch norm and ReLU after it), 0 when they are the array's.
     */
    private record Copy(INDArray array, memory blocked, Consumer<INDArray> writer, int ahead) {
        boolean unwritten() {
            return writer != null;
        }

        Copy written() {
            if (ahead > 0) {
                throw new IllegalStateException("an array whose values only exist " + ahead + " layer(s) further "
                        + "on was asked for: " + array.shapeInfoToString());
            }
            writer.accept(array);
            return new Copy(array, blocked, null, 0);
        }
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

        /** {@code x}, written if a kernel left it in oneDNN's layout only ({@link OneDnnKernel#nchw}). */
        default INDArray nchw(INDArray x) {
            return oneDnnKernel() == null ? x : oneDnnKernel().nchw(x);
        }
    }

    /**
     * How one layer's kernel takes part: the network's copies it looks its inputs up in (null: none), and whether
     * it may offer its output and its input gradient there ({@link CpuKernels} decides from the network's shape).
     */
    record Sharing(BlockedCopies copies, boolean output, boolean inputGradient, boolean outputUnread,
                   boolean inputGradientUnread) {
        static final Sharing NONE = new Sharing(null, false, false, false, false);

        /**
         * {@code outputUnread}: besides being offered, the output is read by spark-cnn oneDNN kernels only (no
         * residual vertex, not the network's result), so in a pass that observes only the result it need not be
         * written. {@code inputGradientUnread}: likewise the input gradient, read by the backward pass of the layer
         * before (whose kernel writes it first where its code reads it as an array).
         */
        Sharing {
            if (outputUnread && !output || inputGradientUnread && !inputGradient) {
                throw new IllegalArgumentException("an array that is not offered must be written");
            }
        }

        /** Where the output is offered, or null. */
        BlockedCopies outputTo() {
            return output ? copies : null;
        }

        /** Whether the output may now be offered unwritten (the pass observes only the network's result). */
        boolean outputUnwritten() {
            return outputUnread && copies.resultOnly;
        }

        /**
         * Whether the layers after this one may now do their work within it, leaving their own arrays unwritten
         * (a convolution folding the batch norm after it): in inference passes that observe only the result. Not
         * in training, whose backward pass reads every layer's input.
         */
        boolean outputFoldable() {
            return outputUnwritten() && !copies.training;
        }

        /** Where the input gradient is offered, or null. */
        BlockedCopies inputGradientTo() {
            return inputGradient ? copies : null;
        }

        /** Whether the input gradient may now be offered unwritten (a training step that keeps only its result). */
        boolean inputGradientUnwritten() {
            return inputGradientUnread && copies.resultOnly && copies.training;
        }
    }

    /**
     * Records that {@code blocked}, a memory of the offering kernel's own, holds what was just written to
     * {@code array}. An earlier copy in the same memory (the kernel's previous call) is forgotten.
     */
    void offer(INDArray array, memory blocked) {
        add(new Copy(array, blocked, null, 0));
    }

    /**
     * As {@link #offer}, where {@code array} has not been written: {@code writer} writes {@code blocked} into an
     * array, should a reader need it as one. Only in a pass that observes only its result. {@code ahead}: the
     * number of layers after the array's own whose work {@code blocked} holds already, each of which passes it
     * on ({@link #passOn}) instead of running.
     */
    void offerUnwritten(INDArray array, memory blocked, Consumer<INDArray> writer, int ahead) {
        if (!resultOnly) {
            throw new IllegalStateException("an array may stay unwritten only in a pass that observes the result");
        }
        unwritten++;
        add(new Copy(array, blocked, writer, ahead));
    }

    /**
     * Where the copy of {@code from} holds values of layers further on: makes it the copy of {@code to}, the
     * output of the next of those layers, which has then done its work; written now unless {@code unwrittenOk}
     * or values of layers beyond {@code to}'s are in it, and forgotten once written unless {@code offered}. False
     * (nothing done) where it does not.
     */
    boolean passOn(INDArray from, INDArray to, boolean offered, boolean unwrittenOk) {
        for (Iterator<Copy> it = copies.iterator(); it.hasNext(); ) {
            Copy c = it.next();
            if (c.array == from) {
                if (c.ahead == 0) {
                    return false;
                }
                it.remove();
                Copy next = new Copy(to, c.blocked, c.writer, c.ahead - 1);
                if (next.ahead == 0 && !unwrittenOk) {
                    next = next.written();
                }
                if (next.unwritten() || offered) {
                    add(next);
                }
                passedOn++;
                return true;
            }
        }
        return false;
    }

    private void add(Copy copy) {
        for (Iterator<Copy> it = copies.iterator(); it.hasNext(); ) {
            Copy c = it.next();
            if (c.blocked == copy.blocked && c.unwritten()) {
                // The kernel has overwritten the only copy of an array of this pass: it ran twice in one pass.
                throw new IllegalStateException("a oneDNN kernel ran twice in one pass, over an array "
                        + "it had not written: " + c.array.shapeInfoToString());
            }
            if (c.blocked == copy.blocked || c.array == copy.array) {
                it.remove();
            }
        }
        copies.addFirst(copy);
        if (copies.size() > KEPT) {
            // The oldest written copy. Unwritten ones are the only copies of their arrays; those of arrays whose
            // readers have run cannot be written any more (their memory is the workspaces' again): all are kept
            // until their pass ends.
            for (Iterator<Copy> it = copies.descendingIterator(); it.hasNext(); ) {
                if (!it.next().unwritten()) {
                    it.remove();
                    break;
                }
            }
        }
    }

    /**
     * The copy of {@code array} in layout {@code wanted}, or null: none offered, or in another layout (an
     * unwritten array is then written).
     */
    memory find(INDArray array, memory.desc wanted) {
        Copy c = copyOf(array);
        if (c == null) {
            return null;
        }
        if (c.ahead > 0) {
            throw new IllegalStateException("a layer read an array whose values only exist " + c.ahead
                    + " layer(s) further on: " + array.shapeInfoToString());
        }
        if (c.blocked.get_desc().equals(wanted)) {
            taken++;
            return c.blocked;
        }
        materialize(array);
        return null;
    }

    /** Whether {@code array} was left unwritten, its values in its copy (not further on). */
    boolean leftUnwritten(INDArray array) {
        return unwritten(copyOf(array));
    }

    private static boolean unwritten(Copy c) {
        return c != null && c.unwritten() && c.ahead == 0;
    }

    /** Writes the copy of {@code from}, {@link #leftUnwritten}, into {@code target}, another array of its shape. */
    void writeInto(INDArray from, INDArray target) {
        unwrittenCopyOf(from).writer.accept(target);
    }

    /**
     * Makes the copy of {@code from}, {@link #leftUnwritten}, the unwritten copy of {@code to} instead: an array
     * of its shape that takes its place (a vertex passing its input gradient on).
     */
    void handOn(INDArray from, INDArray to) {
        Copy c = unwrittenCopyOf(from);
        copies.removeIf(x -> x == c);
        add(new Copy(to, c.blocked, c.writer, 0));
    }

    private Copy unwrittenCopyOf(INDArray array) {
        Copy c = copyOf(array);
        if (!unwritten(c)) {
            throw new IllegalStateException("no unwritten copy of " + array.shapeInfoToString());
        }
        return c;
    }

    /** Whether there is a copy of {@code array} in layout {@code wanted} that a layer may read now. */
    boolean holdsIn(INDArray array, memory.desc wanted) {
        Copy c = copyOf(array);
        return c != null && c.ahead == 0 && c.blocked.get_desc().equals(wanted);
    }

    /**
     * Writes {@code array} if it was left unwritten: before anything but a oneDNN kernel's {@link #find} reads it
     * (DL4J's layer code, spark-cnn's Java kernels, views of it). By identity only: the memory of an array whose
     * readers have all run is the workspaces' again, and may hold another array by now.
     */
    void materialize(INDArray array) {
        Copy c = copyOf(array);
        if (c != null && c.unwritten()) {
            copies.removeIf(x -> x == c); // by identity: a record's equals would compare the arrays' values
            copies.addFirst(c.written());
        }
    }

    /** The copy of {@code array} (by identity), or null. */
    private Copy copyOf(INDArray array) {
        for (Copy c : copies) {
            if (c.array == array) {
                return c;
            }
        }
        return null;
    }

    /**
     * Runs {@code pass}, whose caller observes only the network's result (an inference pass's output or loss;
     * a training step's parameters and loss): arrays that only oneDNN kernels read may stay unwritten. They are
     * dead when it ends (their memory is the workspaces' again), and so forgotten.
     */
    <T> T resultOnly(java.util.function.Supplier<T> pass, boolean training) {
        if (resultOnly) {
            if (this.training != training) {
                throw new IllegalStateException("a " + (training ? "training step" : "inference pass")
                        + " within a " + (training ? "inference pass" : "training step"));
            }
            return pass.get();
        }
        resultOnly = true;
        this.training = training;
        try {
            return pass.get();
        } finally {
            resultOnly = false;
            this.training = false;
            copies.removeIf(Copy::unwritten);
        }
    }

    /** How many reorders {@link #find} has saved. */
    long taken() {
        return taken;
    }

    /** How many arrays were offered unwritten (a write each saved, unless a reader had it written later). */
    long unwritten() {
        return unwritten;
    }

    /** How many layers passed a copy on instead of running (their work folded into a convolution's). */
    long passedOn() {
        return passedOn;
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
