package io.sparkcnn.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.ServeConfig;
import io.sparkcnn.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP side of serve: routes, limits, authentication and errors. Every answer is JSON (but /metrics); every
 * error is {@code {"error": "..."}} with a 4xx or 5xx status naming what is wrong, and the next request is
 * served. Routes (Open Inference Protocol v2, plus {@code classify} for people):
 * <pre>
 *   GET  /v2/health/live | /v2/health/ready | /v2
 *   GET  /v2/models/{name}[/versions/{v}]            metadata: version, labels, input shape
 *   GET  /v2/models/{name}[/versions/{v}]/ready
 *   POST /v2/models/{name}[/versions/{v}]/infer      a tensor of decoded pixels
 *   POST /v2/models/{name}[/versions/{v}]/classify   an image (image/* body or multipart/form-data)
 *   POST /v2/models/{name}[/versions/{v}]/explain    an image's occlusion saliency (PNG, or JSON with ?format=json)
 *   GET  /metrics                                    Prometheus text
 * </pre>
 */
public final class InferenceServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long a request waits for its images' answers before it is answered 503. */
    private static final long ANSWER_TIMEOUT_SECONDS = 30;
    /** Connections the kernel queues before the server accepts them. */
    private static final int BACKLOG = 1024;

    static {
        // The JDK server's own limits on a slow client: the whole request within 30 s, the answer within 60 s.
        System.setProperty("sun.net.httpserver.maxReqTime", System.getProperty("sun.net.httpserver.maxReqTime", "30"));
        System.setProperty("sun.net.httpserver.maxRspTime", System.getProperty("sun.net.httpserver.maxRspTime", "60"));
        // It writes an answer's headers and body separately: with Nagle's algorithm on, the body waits for the
        // client's delayed acknowledgement of the headers (40 ms on Linux), which capped one client at ~20 answers/s.
        System.setProperty("sun.net.httpserver.nodelay", System.getProperty("sun.net.httpserver.nodelay", "true"));
        // It closes, without a word, a connection that finishes a request while this many others are idle (200 by
        // default): a client that pools its connections after a burst then sends its next request into a closed
        // socket. As many as the backlog: idle connections still close after sun.net.httpserver.idleInterval.
        System.setProperty("sun.net.httpserver.maxIdleConnections",
                System.getProperty("sun.net.httpserver.maxIdleConnections", String.valueOf(BACKLOG)));
    }

    private final ServeConfig config;
    private final HttpServer server;
    private final ExecutorService handlers;
    /** Writes the answers the inference threads complete, so that no inference thread waits on a socket. */
    private final ExecutorService responders;
    /**
     * Requests waiting for inference, with the time (System.nanoTime) they give up at: one sweep a second
     * answers the late ones 503. A timer per request (CompletableFuture.orTimeout) woke a timer thread for each
     * request, which a lone client paid for in latency.
     */
    private final java.util.concurrent.ConcurrentHashMap<CompletableFuture<Reply>, Long> pending =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ScheduledExecutorService sweeper;
    private final ModelHolder models;
    private final Batcher batcher;
    private final ServeMetrics metrics;
    private final Classify classify;
    private final byte[] token;
    /** serve.maxBodyBytes, parsed once: parsing a size through the config library costs more than a small answer. */
    private final long bodyLimit;

    private InferenceServer(ServeConfig config, ModelHolder models, ServeMetrics metrics, String token)
            throws IOException {
        this.config = config;
        this.models = models;
        this.metrics = metrics;
        this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        this.bodyLimit = config.bodyLimit();
        this.batcher = new Batcher(models, metrics, config.inferenceThreads(), config.maxBatch(), config.maxDelayMs(),
                config.queueCapacity(), config.topK());
        this.classify = new Classify(batcher, config.topK());
        this.server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), BACKLOG);
        // A handler reads and decodes a request, queues its images and goes on to the next request: it never
        // waits for the answer. The JDK server reads a request only when a handler takes it, and silently closes
        // a connection whose request is not read within sun.net.httpserver.maxReqTime; handlers that waited
        // for answers left requests unread behind them under a burst, which clients saw as dropped connections
        // instead of answers or 503s. Reading a slow client's body still holds a handler, hence handlerThreads'
        // headroom.
        this.handlers = Executors.newFixedThreadPool(handlerThreads(config), daemons("serve-http-"));
        this.responders = Executors.newFixedThreadPool(Math.max(2, config.inferenceThreads()),
                daemons("serve-answer-"));
        this.sweeper = Executors.newSingleThreadScheduledExecutor(daemons("serve-timeouts-"));
        sweeper.scheduleWithFixedDelay(this::answerLateRequests, 1, 1, TimeUnit.SECONDS);
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
        server.start();
    }

    private static java.util.concurrent.ThreadFactory daemons(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Enough handlers that clients slow to send their bodies leave others to decode every batch's images. */
    static int handlerThreads(ServeConfig config) {
        return 2 * config.inferenceThreads() * config.maxBatch() + 8;
    }

    /**
     * Loads the model from {@code source} and starts answering. {@code environment} is where the bearer token
     * named by serve.tokenEnv is read (the process environment in production).
     */
    public static InferenceServer start(ServeConfig config, ModelSource source, Map<String, String> environment)
            throws IOException {
        String token = null;
        if (!config.tokenEnv().isEmpty()) {
            token = environment.get(config.tokenEnv());
            if (token == null || token.isBlank()) {
                throw new ConfigException(Settings.SERVE_TOKEN_ENV.key(), "names " + config.tokenEnv()
                        + ", which is not set or empty in serve's environment");
            }
        }
        ServeMetrics metrics = new ServeMetrics();
        ModelHolder models = new ModelHolder(source, config.pollSeconds(), metrics);
        try {
            return new InferenceServer(config, models, metrics, token);
        } catch (IOException | RuntimeException e) {
            models.close();
            throw e;
        }
    }

    /** The port it listens on (the chosen one when serve.port = 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    public ModelHolder models() {
        return models;
    }

    public ServeMetrics metrics() {
        return metrics;
    }

    private void handle(HttpExchange exchange) {
        long start = System.nanoTime();
        String endpoint = "other";
        CompletableFuture<Reply> reply;
        try {
            String[] path = segments(exchange.getRequestURI().getRawPath());
            endpoint = endpoint(path);
            if (token != null && !endpoint.equals("live") && !endpoint.equals("ready") && !endpoint.equals("metrics")) {
                authenticate(exchange);
            }
            reply = route(exchange, path);
        } catch (IOException | RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        String answered = endpoint;
        if (reply.isDone()) {
            reply.whenComplete((r, e) -> finish(exchange, answered, start, r, e));
        } else {
            CompletableFuture<Reply> waiting = reply;
            pending.put(waiting, start + TimeUnit.SECONDS.toNanos(ANSWER_TIMEOUT_SECONDS));
            waiting.whenCompleteAsync((r, e) -> {
                pending.remove(waiting);
                finish(exchange, answered, start, r, e);
            }, responders);
        }
    }

    private void answerLateRequests() {
        long now = System.nanoTime();
        pending.forEach((reply, deadline) -> {
            if (now - deadline > 0) {
                reply.completeExceptionally(new TimeoutException());
            }
        });
    }

    /**
     * Writes what a route answered (or the error it ended with), closes the exchange and counts the request: on
     * the handler's thread when the answer was ready at once, on a responder's when inference gave it.
     */
    private void finish(HttpExchange exchange, String endpoint, long start, Reply reply, Throwable failed) {
        int status;
        try {
            if (failed != null) {
                status = failure(exchange, failed instanceof CompletionException && failed.getCause() != null
                        ? failed.getCause() : failed);
            } else {
                status = reply.write(exchange);
            }
        } catch (IOException | RuntimeException e) {
            status = failure(exchange, e);
        } finally {
            exchange.close();
        }
        metrics.request(endpoint, status, System.nanoTime() - start);
    }

    /** An answer to write: its status once written. */
    @FunctionalInterface
    private interface Reply {
        int write(HttpExchange exchange) throws IOException;
    }

    private static CompletableFuture<Reply> now(Reply reply) {
        return CompletableFuture.completedFuture(reply);
    }

    private int failure(HttpExchange exchange, Throwable e) {
        if (e instanceof HttpError h) {
            return error(exchange, h.status(), h.getMessage());
        }
        if (e instanceof Batcher.Busy || e instanceof TimeoutException) {
            exchange.getResponseHeaders().set("Retry-After", "1");
            String why = e instanceof Batcher.Busy ? e.getMessage() : "no answer within " + ANSWER_TIMEOUT_SECONDS + " s";
            return error(exchange, 503, "busy: " + why + "; retry later");
        }
        if (e instanceof IOException) {
            LOG.debug("Request abandoned by its client: {}", e.toString());
            return 499; // the client went away mid-request; nothing to answer
        }
        LOG.error("Request {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
        return error(exchange, 500, "internal error: " + e);
    }

    private CompletableFuture<Reply> route(HttpExchange exchange, String[] p) throws IOException {
        String method = exchange.getRequestMethod();
        if (p.length == 1 && p[0].equals("metrics")) {
            requireMethod(method, "GET");
            byte[] text = metrics.render().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            return now(e -> send(e, 200, text));
        }
        if (p.length == 0 || !p[0].equals("v2")) {
            throw new HttpError(404, "no such endpoint: " + exchange.getRequestURI().getPath() + " (see /v2/models/"
                    + models.current().name() + ")");
        }
        if (p.length == 1) {
            requireMethod(method, "GET");
            return now(e -> json(e, 200, Map.of("name", "spark-cnn", "version",
                    io.sparkcnn.config.BuildInfo.version(), "extensions", List.of())));
        }
        if (p.length == 3 && p[1].equals("health") && (p[2].equals("live") || p[2].equals("ready"))) {
            requireMethod(method, "GET");
            return now(e -> json(e, 200, Map.of(p[2], true)));
        }
        if (p[1].equals("models") && p.length >= 3) {
            return model(exchange, p, method);
        }
        throw new HttpError(404, "no such endpoint: " + exchange.getRequestURI().getPath());
    }

    private CompletableFuture<Reply> model(HttpExchange exchange, String[] p, String method) throws IOException {
        ServedModel model = models.current();
        if (!p[2].equals(model.name())) {
            throw new HttpError(404, "model \"" + p[2] + "\" is not served here; this server serves \""
                    + model.name() + "\"");
        }
        int at = 3;
        String version = null;
        if (p.length >= 5 && p[3].equals("versions")) {
            version = p[4];
            at = 5;
            if (!version.equals(model.version())) {
                throw new HttpError(404, "model \"" + model.name() + "\" has no version \"" + version
                        + "\" here; it serves version \"" + model.version() + "\"");
            }
        }
        String action = p.length == at ? "" : p.length == at + 1 ? p[at] : "?";
        switch (action) {
            case "" -> {
                requireMethod(method, "GET");
                return now(e -> json(e, 200, model.metadata()));
            }
            case "ready" -> {
                requireMethod(method, "GET");
                return now(e -> json(e, 200, Map.of("name", model.name(), "version", model.version(), "ready",
                        true)));
            }
            case "infer" -> {
                requireMethod(method, "POST");
                try (Batcher.Arrival arrival = batcher.arriving()) {
                    return infer(read(exchange), model, version, arrival).thenApply(out -> e -> json(e, 200, out));
                }
            }
            case "classify" -> {
                requireMethod(method, "POST");
                try (Batcher.Arrival arrival = batcher.arriving()) {
                    return classify.answer(read(exchange), exchange.getRequestHeaders().getFirst("Content-Type"),
                            model, version, arrival).thenApply(out -> e -> json(e, 200, out));
                }
            }
            case "explain" -> {
                requireMethod(method, "POST");
                byte[] body = read(exchange);
                String query = exchange.getRequestURI().getQuery();
                boolean asJson = query != null && query.contains("format=json");
                return classify.explain(body, exchange.getRequestHeaders().getFirst("Content-Type"), model, version)
                        .thenApply(explained -> e -> {
                            if (asJson) {
                                return json(e, 200, explained.json());
                            }
                            e.getResponseHeaders().set("Content-Type", "image/png");
                            e.getResponseHeaders().set("X-Model-Version", explained.answer().model().version());
                            e.getResponseHeaders().set("X-Label", explained.answer().prediction().label());
                            return send(e, 200, explained.png());
                        });
            }
            default -> throw new HttpError(404, "no such endpoint: " + exchange.getRequestURI().getPath());
        }
    }

    /** An Open Inference Protocol request: one FP32 (or FP64) tensor of decoded pixels, [N, C, H, W] or [C, H, W]. */
    private CompletableFuture<Map<String, Object>> infer(byte[] body, ServedModel model, String version,
                                                         Batcher.Arrival arrival) {
        if (body.length == 0) {
            throw new HttpError(400, "empty body: expected a JSON inference request {\"inputs\": [{\"name\": "
                    + "\"input\", \"shape\": [N, C, H, W], \"datatype\": \"FP32\", \"data\": [...]}]}");
        }
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (IOException e) {
            throw new HttpError(400, "the body is not JSON: " + e.getMessage().split("\n")[0]);
        }
        JsonNode inputs = request == null ? null : request.get("inputs");
        if (inputs == null || !inputs.isArray() || inputs.size() != 1) {
            throw new HttpError(400, "\"inputs\" must be an array of exactly one tensor (the images), got "
                    + (inputs == null ? "none" : inputs.toString().length() > 80 ? inputs.getNodeType() : inputs));
        }
        List<float[]> images = Tensors.images(inputs.get(0), model);
        arrival.close();
        return batcher.submit(images, version).thenApply(answers -> {
            ServedModel answered = answers.get(0).model();
            int k = answered.model().labels().size();
            float[] probability = new float[answers.size() * k];
            List<String> labels = new ArrayList<>();
            for (int i = 0; i < answers.size(); i++) {
                double[] p = answers.get(i).prediction().probability();
                for (int j = 0; j < k; j++) {
                    probability[i * k + j] = (float) p[j];
                }
                labels.add(answers.get(i).prediction().label());
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model_name", answered.name());
            out.put("model_version", answered.version());
            if (request.hasNonNull("id")) {
                out.put("id", request.get("id").asText());
            }
            out.put("outputs", List.of(
                    Map.of("name", "probability", "datatype", "FP32", "shape", List.of(answers.size(), k),
                            "data", probability),
                    Map.of("name", "label", "datatype", "BYTES", "shape", List.of(answers.size()), "data", labels)));
            return out;
        });
    }

    private void authenticate(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        byte[] given = header != null && header.startsWith("Bearer ")
                ? header.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(given, token)) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            throw new HttpError(401, header == null ? "missing Authorization: Bearer <token>"
                    : "wrong bearer token");
        }
    }

    /** The body, refused with 413 beyond serve.maxBodyBytes (from Content-Length before reading, if given). */
    private byte[] read(HttpExchange exchange) throws IOException {
        long limit = bodyLimit;
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw new HttpError(400, "Content-Length is not a number: " + length);
            }
            if (declared > limit) {
                exchange.getResponseHeaders().set("Connection", "close");
                throw new HttpError(413, "the body is " + declared + " bytes, more than serve.maxBodyBytes = "
                        + config.maxBodyBytes());
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (body.length > limit) {
                exchange.getResponseHeaders().set("Connection", "close");
                throw new HttpError(413, "the body is more than serve.maxBodyBytes = " + config.maxBodyBytes());
            }
            return body;
        }
    }

    private static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new HttpError(405, method + " is not allowed here; use " + allowed);
        }
    }

    private static String[] segments(String rawPath) {
        return Arrays.stream(rawPath.split("/")).filter(s -> !s.isEmpty())
                .map(s -> URLDecoder.decode(s, StandardCharsets.UTF_8)).toArray(String[]::new);
    }

    private static String endpoint(String[] p) {
        if (p.length == 1 && p[0].equals("metrics")) {
            return "metrics";
        }
        if (p.length == 3 && p[1].equals("health")) {
            return p[2].equals("ready") ? "ready" : "live";
        }
        if (p.length >= 3 && p[1].equals("models")) {
            String last = p[p.length - 1];
            return List.of("infer", "classify", "explain", "ready").contains(last) ? last : "metadata";
        }
        return "other";
    }

    private static int json(HttpExchange exchange, int status, Object body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        return send(exchange, status, JSON.writeValueAsBytes(body));
    }

    private static int error(HttpExchange exchange, int status, String message) {
        try {
            return json(exchange, status, Map.of("error", message));
        } catch (IOException e) {
            return 499;
        }
    }

    private static int send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
        return status;
    }

    /**
     * Stops listening, lets the requests in flight finish (up to serve.shutdownSeconds), then stops the inference
     * threads and the registry poller.
     */
    @Override
    public void close() throws InterruptedException {
        LOG.info("Stopping: finishing the requests in flight (up to {} s)", config.shutdownSeconds());
        server.stop(config.shutdownSeconds());
        handlers.shutdown();
        handlers.awaitTermination(config.shutdownSeconds() + 1L, TimeUnit.SECONDS);
        batcher.close();
        responders.shutdown();
        responders.awaitTermination(config.shutdownSeconds() + 1L, TimeUnit.SECONDS);
        sweeper.shutdownNow();
        models.close();
    }
}
