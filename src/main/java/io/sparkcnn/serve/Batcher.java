package io.sparkcnn.serve;

import io.sparkcnn.model.Classifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Groups concurrent requests into minibatches. A request's images wait in one queue, bounded at
 * {@code queueCapacity} images (a request that does not fit is refused at once, for a 503); each inference
 * thread takes the oldest request, adds whatever else arrives within {@code maxDelayMs} up to
 * {@code maxBatch} images (waiting only while other requests are being read or decoded), and classifies them
 * in one pass with the model in use at that moment, on a network replica of its own.
 */
final class Batcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);

    /** One image's answer and the model that gave it. */
    record Answer(Classifier.Prediction prediction, ServedModel model) {
    }

    /** The queue is full: the caller should answer 503. */
    static final class Busy extends RuntimeException {
        Busy(String message) {
            super(message);
        }
    }

    private record Request(List<float[]> images, String version, CompletableFuture<List<Answer>> answer) {
    }

    private final ModelHolder models;
    private final ServeMetrics metrics;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final int topK;
    private final int capacity;
    private final Semaphore room;
    private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;
    /** Requests being read or decoded by a handler, which will be submitted shortly. */
    private final java.util.concurrent.atomic.AtomicInteger arriving = new java.util.concurrent.atomic.AtomicInteger();

    Batcher(ModelHolder models, ServeMetrics metrics, int threadCount, int maxBatch, int maxDelayMs, int capacity,
            int topK) {
        this.models = models;
        this.metrics = metrics;
        this.maxBatch = maxBatch;
        this.maxDelayNanos = TimeUnit.MILLISECONDS.toNanos(maxDelayMs);
        this.topK = topK;
        this.capacity = capacity;
        this.room = new Semaphore(capacity);
        metrics.queueDepth(() -> capacity - room.availablePermits());
        for (int i = 0; i < threadCount; i++) {
            Thread t = new Thread(this::run, "serve-inference-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    /**
     * A request a handler has started to read and decode: it counts as on its way until it is submitted or the
     * handler gives up on it (closing it twice is harmless).
     */
    final class Arrival implements AutoCloseable {
        private final java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);

        private Arrival() {
            arriving.incrementAndGet();
        }

        @Override
        public void close() {
            if (open.getAndSet(false)) {
                arriving.decrementAndGet();
            }
        }
    }

    Arrival arriving() {
        return new Arrival();
    }

    /**
     * Queues images (CHW pixels in [0, 1]) for the model in use, or only for {@code version} when it is not null;
     * the future completes with an answer per image, in order.
     */
    CompletableFuture<List<Answer>> submit(List<float[]> images, String version) {
        if (!running) {
            throw new Busy("shutting down");
        }
        if (images.size() > capacity || !room.tryAcquire(images.size())) {
            throw new Busy(capacity - room.availablePermits() + " of " + capacity + " queued images "
                    + "(serve.queueCapacity) are waiting");
        }
        CompletableFuture<List<Answer>> answer = new CompletableFuture<>();
        queue.add(new Request(images, version, answer));
        return answer;
    }

    private void run() {
        Map<String, Classifier> classifiers = new HashMap<>();
        while (running || !queue.isEmpty()) {
            List<Request> batch = new ArrayList<>();
            try {
                Request first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                int images = first.images().size();
                long deadline = System.nanoTime() + maxDelayNanos;
                while (images < maxBatch) {
                    // Waiting only pays when another request is on its way (being read or decoded): a lone
                    // client would otherwise wait maxDelayMs on every request for company that never comes.
                    long wait = arriving.get() > 0 ? deadline - System.nanoTime() : 0;
                    Request next = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                    images += next.images().size();
                }
                classify(batch, images, classifiers);
            } catch (InterruptedException e) {
                batch.forEach(r -> r.answer().completeExceptionally(new Busy("shutting down")));
                return;
            }
        }
    }

    private void classify(List<Request> batch, int images, Map<String, Classifier> classifiers) {
        ServedModel model = models.current();
        List<Request> runnable = new ArrayList<>();
        List<float[]> pixels = new ArrayList<>(images);
        for (Request r : batch) {
            if (r.version() != null && !r.version().equals(model.version())) {
                fail(r, new HttpError(404, "version " + r.version() + " is not served any more (now "
                        + model.version() + ")"));
            } else if (r.images().stream().anyMatch(p -> p.length != model.imageSize())) {
                fail(r, new HttpError(400, "an image has another size than " + model.version() + "'s input "
                        + model.model().shape() + " (the model changed while the request waited)"));
            } else {
                runnable.add(r);
                pixels.addAll(r.images());
            }
        }
        if (runnable.isEmpty()) {
            return;
        }
        try {
            Classifier classifier = classifiers.get(model.version());
            if (classifier == null) {
                classifiers.clear();
                classifier = model.classifier(topK);
                classifiers.put(model.version(), classifier);
            }
            List<Classifier.Prediction> predictions = classifier.classify(pixels);
            metrics.batch(pixels.size());
            int at = 0;
            for (Request r : runnable) {
                List<Answer> answers = new ArrayList<>(r.images().size());
                for (int i = 0; i < r.images().size(); i++) {
                    answers.add(new Answer(predictions.get(at++), model));
                }
                room.release(r.images().size());
                r.answer().complete(answers);
            }
        } catch (RuntimeException e) {
            LOG.error("Inference on {} images failed", pixels.size(), e);
            runnable.forEach(r -> fail(r, e));
        }
    }

    private void fail(Request r, RuntimeException e) {
        room.release(r.images().size());
        r.answer().completeExceptionally(e);
    }

    /** Stops taking requests, lets the inference threads finish what is queued, and waits for them. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
    }
}
