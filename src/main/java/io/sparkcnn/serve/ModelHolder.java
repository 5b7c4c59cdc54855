package io.sparkcnn.serve;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The model serve answers with now. With a source that changes (a registry's champion) it looks every
 * {@code pollSeconds} for another version, loads it beside the one in use and swaps it in: a batch already
 * running finishes on the model it started with, the next takes the new one. A version that fails to load (an
 * unreadable or damaged model) is logged once and the model in use kept; it is tried again while it stays
 * the champion, so a repaired version is picked up.
 */
public final class ModelHolder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelHolder.class);

    private final ModelSource source;
    private final ServeMetrics metrics;
    private final AtomicReference<ServedModel> current = new AtomicReference<>();
    private final ScheduledExecutorService poller;
    private volatile String failedVersion;

    public ModelHolder(ModelSource source, int pollSeconds, ServeMetrics metrics) throws IOException {
        this.source = source;
        this.metrics = metrics;
        ServedModel first = source.load();
        current.set(first);
        metrics.modelLoaded(first);
        LOG.info("Serving {} version {}", first.name(), first.version());
        if (source.changes()) {
            poller = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "serve-model-poller");
                t.setDaemon(true);
                return t;
            });
            poller.scheduleWithFixedDelay(this::poll, pollSeconds, pollSeconds, TimeUnit.SECONDS);
        } else {
            poller = null;
        }
    }

    public ServedModel current() {
        return current.get();
    }

    /** Looks for another version now; returns true when it swapped one in. */
    public boolean poll() {
        String version;
        try {
            version = source.currentVersion();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot look for a new version: {}; still serving {}", e.getMessage(), current().version());
            return false;
        }
        if (version.equals(current().version())) {
            return false;
        }
        try {
            ServedModel next = source.load();
            ServedModel previous = current.getAndSet(next);
            failedVersion = null;
            metrics.modelLoaded(next);
            LOG.info("Swapped in {} (was {})", next.version(), previous.version());
            return true;
        } catch (IOException | RuntimeException e) {
            metrics.reloadFailed();
            if (!version.equals(failedVersion)) {
                LOG.error("Cannot load {}: {}; still serving {}", version, e.getMessage(), current().version());
                failedVersion = version;
            }
            return false;
        }
    }

    @Override
    public void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
    }
}
