package io.sparkcnn.serve;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * serve's counters in Prometheus' text format (version 0.0.4): requests by endpoint and status, request latency
 * and batch size histograms, images waiting, the model and version answering, reloads and failed reloads.
 */
public final class ServeMetrics {
    private static final double[] SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
            5, 10};
    private static final double[] IMAGES = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Histogram latency = new Histogram(SECONDS);
    private final Histogram batches = new Histogram(IMAGES);
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();
    private volatile ServedModel model;
    private volatile IntSupplier queued = () -> 0;

    void request(String endpoint, int status, long nanos) {
        requests.computeIfAbsent(endpoint + "\u0000" + status, k -> new LongAdder()).increment();
        latency.observe(nanos / 1e9);
    }

    void batch(int images) {
        batches.observe(images);
    }

    void modelLoaded(ServedModel loaded) {
        if (model != null) {
            reloads.incrementAndGet();
        }
        model = loaded;
    }

    void reloadFailed() {
        reloadFailures.incrementAndGet();
    }

    void queueDepth(IntSupplier images) {
        queued = images;
    }

    /** The number of requests answered with {@code status} on {@code endpoint} so far. */
    public long requests(String endpoint, int status) {
        LongAdder n = requests.get(endpoint + "\u0000" + status);
        return n == null ? 0 : n.sum();
    }

    public long reloads() {
        return reloads.get();
    }

    public long reloadFailures() {
        return reloadFailures.get();
    }

    String render() {
        StringBuilder out = new StringBuilder();
        out.append("# HELP spark_cnn_requests_total Requests answered, by endpoint and HTTP status.\n")
                .append("# TYPE spark_cnn_requests_total counter\n");
        requests.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            String[] parts = e.getKey().split("\u0000");
            out.append("spark_cnn_requests_total{endpoint=\"").append(parts[0]).append("\",code=\"").append(parts[1])
                    .append("\"} ").append(e.getValue().sum()).append('\n');
        });
        latency.render(out, "spark_cnn_request_seconds", "Time from a request's arrival to its answer.");
        batches.render(out, "spark_cnn_batch_images", "Images per inference pass.");
        out.append("# HELP spark_cnn_queue_images Images waiting for an inference thread.\n")
                .append("# TYPE spark_cnn_queue_images gauge\n")
                .append("spark_cnn_queue_images ").append(queued.getAsInt()).append('\n');
        ServedModel m = model;
        if (m != null) {
            out.append("# HELP spark_cnn_model_info The model and version answering.\n")
                    .append("# TYPE spark_cnn_model_info gauge\n")
                    .append("spark_cnn_model_info{model=\"").append(escape(m.name())).append("\",version=\"")
                    .append(escape(m.version())).append("\"} 1\n");
        }
        out.append("# HELP spark_cnn_model_reloads_total New versions swapped in.\n")
                .append("# TYPE spark_cnn_model_reloads_total counter\n")
                .append("spark_cnn_model_reloads_total ").append(reloads.get()).append('\n')
                .append("# HELP spark_cnn_model_reload_failures_total Versions that failed to load (the old one "
                        + "kept).\n")
                .append("# TYPE spark_cnn_model_reload_failures_total counter\n")
                .append("spark_cnn_model_reload_failures_total ").append(reloadFailures.get()).append('\n');
        return out.toString();
    }

    private static String escape(String label) {
        return label.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** A cumulative histogram with fixed upper bounds. */
    private static final class Histogram {
        private final double[] bounds;
        private final LongAdder[] counts;
        private final LongAdder count = new LongAdder();
        private final java.util.concurrent.atomic.DoubleAdder sum = new java.util.concurrent.atomic.DoubleAdder();

        Histogram(double[] bounds) {
            this.bounds = bounds;
            this.counts = new LongAdder[bounds.length];
            for (int i = 0; i < bounds.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        void observe(double value) {
            for (int i = 0; i < bounds.length; i++) {
                if (value <= bounds[i]) {
                    counts[i].increment();
                    break;
                }
            }
            count.increment();
            sum.add(value);
        }

        void render(StringBuilder out, String name, String help) {
            out.append("# HELP ").append(name).append(' ').append(help).append('\n')
                    .append("# TYPE ").append(name).append(" histogram\n");
            long cumulative = 0;
            for (int i = 0; i < bounds.length; i++) {
                cumulative += counts[i].sum();
                out.append(name).append("_bucket{le=\"").append(String.format(Locale.ROOT, "%s", bounds[i]))
                        .append("\"} ").append(cumulative).append('\n');
            }
            out.append(name).append("_bucket{le=\"+Inf\"} ").append(count.sum()).append('\n')
                    .append(name).append("_sum ").append(String.format(Locale.ROOT, "%.6f", sum.sum())).append('\n')
                    .append(name).append("_count ").append(count.sum()).append('\n');
        }
    }
}
