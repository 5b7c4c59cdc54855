package io.sparkcnn.config;

import java.io.Serializable;

/**
 * How {@code serve} answers: where it listens, how it batches concurrent requests, how much it accepts, how
 * often it looks for a new champion and which environment variable holds its bearer token (empty: no token).
 */
public record ServeConfig(String host, int port, int threads, int maxBatch, int maxDelayMs, int queueCapacity,
                          String maxBodyBytes, int pollSeconds, String tokenEnv, int topK, int shutdownSeconds)
        implements Serializable {
    public ServeConfig {
        Settings.SERVE_HOST.check(host);
        Settings.SERVE_PORT.check(port);
        Settings.SERVE_THREADS.check(threads);
        Settings.SERVE_MAX_BATCH.check(maxBatch);
        Settings.SERVE_MAX_DELAY_MS.check(maxDelayMs);
        Settings.SERVE_QUEUE_CAPACITY.check(queueCapacity);
        Settings.SERVE_MAX_BODY_BYTES.check(maxBodyBytes);
        Settings.SERVE_POLL_SECONDS.check(pollSeconds);
        Settings.SERVE_TOKEN_ENV.check(tokenEnv);
        Settings.SERVE_TOP_K.check(topK);
        Settings.SERVE_SHUTDOWN_SECONDS.check(shutdownSeconds);
    }

    /** serve.maxBodyBytes in bytes. */
    public long bodyLimit() {
        return Setting.parseBytes(maxBodyBytes);
    }

    /** Inference threads: serve.threads, or one per core. */
    public int inferenceThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }
}
