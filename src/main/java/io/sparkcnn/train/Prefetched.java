package io.sparkcnn.train;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.IntFunction;

/**
 * Items made on a thread of their own, in order, {@code ahead} at most before they are taken: the next
 * minibatch is decoded while the current one trains. An error on the making thread is thrown where the item
 * would have been taken; {@link #close} stops a making thread whose items will not be taken (the fit failed).
 */
public final class Prefetched<T> implements Iterable<T>, AutoCloseable {
    private final java.util.List<Thread> makers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final int count;
    private final int ahead;
    private final IntFunction<T> make;
    private final String name;

    /** Items {@code make(0)} to {@code make(count - 1)}. */
    public Prefetched(int count, int ahead, IntFunction<T> make, String name) {
        this.count = count;
        this.ahead = ahead;
        this.make = make;
        this.name = name;
    }

    /** An item, or what stopped the making thread. */
    private record Slot<T>(T item, RuntimeException error) {
    }

    @Override
    public Iterator<T> iterator() {
        BlockingQueue<Slot<T>> queue = new ArrayBlockingQueue<>(Math.max(1, ahead));
        Thread maker = new Thread(() -> {
            try {
                for (int i = 0; i < count; i++) {
                    queue.put(new Slot<>(make.apply(i), null));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                RuntimeException error = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                try {
                    // Blocking, like the items: the queue may be full of items not yet taken.
                    queue.put(new Slot<>(null, error));
                } catch (InterruptedException stopped) {
                    Thread.currentThread().interrupt();
                }
            }
        }, name);
        maker.setDaemon(true);
        makers.add(maker);
        maker.start();
        return new Iterator<>() {
            private int taken;

            @Override
            public boolean hasNext() {
                return taken < count;
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Slot<T> slot;
                try {
                    slot = queue.take();
                } catch (InterruptedException e) {
                    maker.interrupt();
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for " + name, e);
                }
                if (slot.error() != null) {
                    throw slot.error();
                }
                taken++;
                return slot.item();
            }
        };
    }

    @Override
    public void close() {
        makers.forEach(Thread::interrupt);
    }
}
