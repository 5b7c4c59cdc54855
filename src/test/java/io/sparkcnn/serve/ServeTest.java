package io.sparkcnn.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.config.NormalisationKind;
import io.sparkcnn.config.ResizePolicy;
import io.sparkcnn.config.ServeConfig;
import io.sparkcnn.data.ImageDecoder;
import io.sparkcnn.model.Classifier;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.registry.ModelRegistry;
import io.sparkcnn.registry.RegistryFixtures;
import io.sparkcnn.registry.RegistryLock;
import io.sparkcnn.testing.Images;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * serve end to end: a real HTTP server on loopback, a real HTTP client, real models in a real registry on the
 * local FS, real PNG and JPEG files.
 */
class ServeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    Path tmp;

    private String registryDir;
    private InferenceServer server;

    @BeforeEach
    void registry() throws IOException {
        registryDir = tmp.resolve("registry").toUri().toString();
        RegistryFixtures.withChampion(registryDir, "digits", 2);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    private static ServeConfig config(String... overrides) {
        List<String> all = new ArrayList<>(List.of("serve.port=0", "serve.pollSeconds=1", "serve.threads=2",
                "serve.shutdownSeconds=5"));
        all.addAll(Arrays.asList(overrides));
        return JobConfigLoader.load(Optional.empty(), all).serve();
    }

    private InferenceServer start(ServeConfig config, Map<String, String> env) throws IOException {
        server = InferenceServer.start(config, ModelSource.champion(registryDir, "digits", ResizePolicy.ERROR,
                50_000_000L, new Configuration()), env);
        return server;
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String type, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url(path))).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] tensor(String datatype, List<Integer> shape, float[] data) throws IOException {
        return JSON.writeValueAsBytes(Map.of("id", "r1", "inputs", List.of(Map.of("name", "input", "datatype", datatype,
                "shape", shape, "data", data))));
    }

    private static float[] pixels(int seed) {
        float[] p = new float[28 * 28];
        for (int i = 0; i < p.length; i++) {
            p[i] = ((i * 31 + seed * 17) % 256) / 255f;
        }
        return p;
    }

    /** What the model's own classifier answers for these pixels, in this JVM, without HTTP. */
    private static List<Classifier.Prediction> direct(SavedModel model, List<float[]> images) {
        return Classifier.of(model.network(), model, 3).classify(images);
    }

    @Test
    void answersTheOpenInferenceProtocolAndImageUploadsWithTheClassifiersProbabilities() throws Exception {
        start(config(), Map.of());
        assertEquals(200, get("/v2/health/live").statusCode());
        assertEquals(200, get("/v2/health/ready").statusCode());
        JsonNode meta = JSON.readTree(get("/v2/models/digits").body());
        assertEquals("[\"v1\"]", meta.get("versions").toString());
        assertEquals("[-1,1,28,28]", meta.get("inputs").get(0).get("shape").toString());
        assertEquals("[\"a\",\"b\",\"c\"]", meta.get("parameters").get("labels").toString());

        float[] two = new float[2 * 784];
        System.arraycopy(pixels(1), 0, two, 0, 784);
        System.arraycopy(pixels(2), 0, two, 784, 784);
        HttpResponse<String> inferred = post("/v2/models/digits/infer", "application/json",
                tensor("FP32", List.of(2, 1, 28, 28), two));
        assertEquals(200, inferred.statusCode(), inferred.body());
        JsonNode answer = JSON.readTree(inferred.body());
        assertEquals("v1", answer.get("model_version").asText());
        assertEquals("r1", answer.get("id").asText());
        JsonNode probability = answer.get("outputs").get(0);
        assertEquals("[2,3]", probability.get("shape").toString());
        List<Classifier.Prediction> expected = direct(RegistryFixtures.model(1), List.of(pixels(1), pixels(2)));
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(expected.get(i).probability()[j], probability.get("data").get(i * 3 + j).asDouble(), 1e-6);
            }
            assertEquals(expected.get(i).label(), answer.get("outputs").get(1).get("data").get(i).asText());
        }

        byte[] png = Images.encode(Images.grey(28, 28, 5), "png");
        HttpResponse<String> uploaded = post("/v2/models/digits/versions/v1/classify", "image/png", png);
        assertEquals(200, uploaded.statusCode(), uploaded.body());
        JsonNode classified = JSON.readTree(uploaded.body());
        float[] decoded = new ImageDecoder(new ImageConfig(28, 28, 1, ResizePolicy.ERROR, NormalisationKind.UNIT))
                .decode(png, "x.png").pixels();
        Classifier.Prediction same = direct(RegistryFixtures.model(1), List.of(decoded)).get(0);
        assertEquals(same.label(), classified.get("label").asText());
        assertEquals(same.topProbabilities()[0], classified.get("predictions").get(0).get("probability").asDouble(),
                1e-6, "decoded and normalised as the classifier does");
        assertEquals(3, classified.get("predictions").size(), "top-k, capped at the number of classes");

        String boundary = "b0undary";
        byte[] multipart = concat(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--"
                        + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.png\"\r\n"
                        + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1), png,
                ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
        HttpResponse<String> form = post("/v2/models/digits/classify", "multipart/form-data; boundary=" + boundary,
                multipart);
        assertEquals(200, form.statusCode(), form.body());
        assertEquals(classified.get("predictions"), JSON.readTree(form.body()).get("predictions"));

        String metrics = get("/metrics").body();
        assertTrue(metrics.contains("spark_cnn_requests_total{endpoint=\"infer\",code=\"200\"} 1"), metrics);
        assertTrue(metrics.contains("spark_cnn_model_info{model=\"digits\",version=\"v1\"} 1"), metrics);
        assertTrue(metrics.contains("spark_cnn_batch_images_count "), metrics);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void everyBadRequestIsAnsweredWithAJsonErrorNamingWhatIsWrongAndTheNextIsServed() throws Exception {
        start(config(), Map.of());
        byte[] png = Images.encode(Images.grey(28, 28, 5), "png");
        String infer = "/v2/models/digits/infer";
        String classify = "/v2/models/digits/classify";
        record Bad(String what, String path, String type, byte[] body, int status, String error) {
        }
        List<Bad> cases = List.of(
                new Bad("not an image", classify, "image/png", "hello".getBytes(), 400, "not a usable image: not an image"),
                new Bad("truncated", classify, "image/png", Arrays.copyOf(png, png.length / 2), 400, "truncated or corrupt"),
                new Bad("bomb", classify, "image/png", Images.pngDeclaring(40_000, 40_000), 400,
                        "declares 40000x40000 pixels, more than data.image.maxPixels"),
                new Bad("wrong size", classify, "image/png", Images.encode(Images.grey(30, 20, 1), "png"), 400,
                        "image is 30x20 (width x height), expected 28x28"),
                new Bad("empty upload", classify, "image/png", new byte[0], 400, "empty body"),
                new Bad("empty infer", infer, "application/json", new byte[0], 400, "empty body"),
                new Bad("not JSON", infer, "application/json", "{inputs:".getBytes(), 400, "the body is not JSON"),
                new Bad("wrong shape", infer, "application/json", tensor("FP32", List.of(1, 3, 28, 28), new float[3 * 784]),
                        400, "does not fit the model's input [N, 1, 28, 28]"),
                new Bad("wrong datatype", infer, "application/json", tensor("INT64", List.of(1, 1, 28, 28),
                        new float[784]), 400, "datatype \"INT64\" is not supported"),
                new Bad("too few values", infer, "application/json", tensor("FP32", List.of(1, 1, 28, 28), new float[10]),
                        400, "data holds 10 values; shape [1,1,28,28] needs 784"),
                new Bad("two tensors", infer, "application/json", "{\"inputs\": []}".getBytes(), 400,
                        "must be an array of exactly one tensor"),
                new Bad("unknown model", "/v2/models/shoes/infer", "application/json", new byte[0], 404,
                        "model \"shoes\" is not served here"),
                new Bad("unknown version", "/v2/models/digits/versions/v9/infer", "application/json", new byte[0], 404,
                        "has no version \"v9\""),
                new Bad("unknown path", "/v3/x", "text/plain", new byte[0], 404, "no such endpoint"));
        for (Bad bad : cases) {
            HttpResponse<String> r = post(bad.path(), bad.type(), bad.body());
            assertEquals(bad.status(), r.statusCode(), bad.what() + ": " + r.body());
            assertTrue(JSON.readTree(r.body()).get("error").asText().contains(bad.error()), bad.what() + ": " + r.body());
            assertEquals(200, post(classify, "image/png", png).statusCode(), "served after " + bad.what());
        }
        HttpResponse<String> wrongMethod = get(infer);
        assertEquals(405, wrongMethod.statusCode(), wrongMethod.body());

        // 50 MB announced: refused from its Content-Length, before the body is read.
        String answer = raw("POST " + infer + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 52428800\r\n\r\n{\"inputs\":", false);
        assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
        assertTrue(answer.contains("more than serve.maxBodyBytes = 16m"), answer);
        // A client that sends half a request and goes away.
        raw("POST " + classify + " HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 5000\r\n\r\n"
                + "\u0089PNG", true);
        assertEquals(200, post(classify, "image/png", png).statusCode(), "served after a client went away");
        assertTrue(server.metrics().requests("classify", 400) >= 5);
    }

    /** Sends raw bytes on a socket; returns what came back (nothing when {@code hangUp}: it closes at once). */
    private String raw(String request, boolean hangUp) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            if (hangUp) {
                s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                return "";
            }
            return answer(s, request);
        }
    }

    /**
     * Sends a request on an open socket and reads one answer (its headers and Content-Length bytes of body: the
     * server may keep the connection open), or what came before the server closed it ("" if nothing).
     */
    private static String answer(Socket s, String request) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        InputStream in = s.getInputStream();
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                return got.toString(StandardCharsets.UTF_8);
            }
            got.write(b);
            String text = got.toString(StandardCharsets.UTF_8);
            int end = text.indexOf("\r\n\r\n");
            java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)")
                    .matcher(text);
            if (end > 0 && length.find() && got.size() >= end + 4 + Integer.parseInt(length.group(1))) {
                return text;
            }
        }
    }

    @Test
    void everyKeptAliveConnectionOfABurstServesItsNextRequest() throws Exception {
        // The JDK's server closed, without a word, each connection that finished a request while 200 others were
        // idle: a client pooling its connections after a burst had its next request on one of them dropped.
        start(config(), Map.of());
        String live = "GET /v2/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 400; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                s.setSoTimeout(10_000);
                sockets.add(s);
                String first = answer(s, live);
                assertTrue(first.startsWith("HTTP/1.1 200"), "connection " + i + ": " + first);
            }
            for (int i = 0; i < sockets.size(); i++) {
                String second = answer(sockets.get(i), live);
                assertTrue(second.startsWith("HTTP/1.1 200"), "connection " + i + " of " + sockets.size()
                        + ", kept alive, second request: \"" + second + "\"");
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void aThousandConcurrentRequestsAreAllAnsweredAndTheNextIsServed() throws Exception {
        start(config("serve.queueCapacity=200"), Map.of());
        byte[] png = Images.encode(Images.grey(28, 28, 5), "png");
        HttpClient many = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            all.add(many.sendAsync(HttpRequest.newBuilder(URI.create(url("/v2/models/digits/classify")))
                    .header("Content-Type", "image/png").timeout(Duration.ofSeconds(120))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        int ok = 0;
        for (CompletableFuture<HttpResponse<String>> f : all) {
            HttpResponse<String> r = f.get();
            assertTrue(r.statusCode() == 200 || r.statusCode() == 503 && r.headers().firstValue("Retry-After")
                    .isPresent(), r.statusCode() + " " + r.body());
            ok += r.statusCode() == 200 ? 1 : 0;
        }
        assertTrue(ok > 0, "some were classified");
        assertEquals(200, post("/v2/models/digits/classify", "image/png", png).statusCode());
    }

    @Test
    void aBurstLargerThanTheHandlerThreadsIsReadAndQueuedAtOnceNotLeftUnread() throws Exception {
        // One image per inference pass on one thread: the queue can only grow past the handler threads if handlers
        // go on reading while earlier requests wait for inference.
        ServeConfig config = config("serve.threads=1", "serve.maxBatch=1", "serve.queueCapacity=1000");
        start(config, Map.of());
        int handlers = InferenceServer.handlerThreads(config);
        byte[] png = Images.encode(Images.grey(28, 28, 5), "png");
        HttpClient many = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 20 * handlers; i++) {
            all.add(many.sendAsync(HttpRequest.newBuilder(URI.create(url("/v2/models/digits/classify")))
                    .header("Content-Type", "image/png").timeout(Duration.ofSeconds(120))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        int peak = 0;
        while (!all.stream().allMatch(CompletableFuture::isDone)) {
            java.util.regex.Matcher queued = java.util.regex.Pattern.compile("(?m)^spark_cnn_queue_images (\\d+)$")
                    .matcher(server.metrics().render());
            assertTrue(queued.find());
            peak = Math.max(peak, Integer.parseInt(queued.group(1)));
            Thread.sleep(1);
        }
        for (CompletableFuture<HttpResponse<String>> f : all) {
            assertEquals(200, f.get().statusCode(), f.get().body());
        }
        assertTrue(peak > handlers, "at most " + peak + " images queued at once with " + handlers + " handlers");
    }

    @Test
    void aNewChampionIsSwappedInARollbackToAndABrokenVersionIsKeptOutWithoutAFailedRequest() throws Exception {
        start(config(), Map.of());
        byte[] png = Images.encode(Images.grey(28, 28, 5), "png");
        AtomicBoolean loading = new AtomicBoolean(true);
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger answered = new AtomicInteger();
        java.util.Set<String> versions = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Thread load = new Thread(() -> {
            while (loading.get()) {
                try {
                    HttpResponse<String> r = post("/v2/models/digits/classify", "image/png", png);
                    if (r.statusCode() != 200) {
                        failed.incrementAndGet();
                    } else {
                        versions.add(JSON.readTree(r.body()).get("model_version").asText());
                        answered.incrementAndGet();
                    }
                } catch (Exception e) {
                    failed.incrementAndGet();
                }
            }
        });
        load.start();
        ModelRegistry r = ModelRegistry.open(registryDir, "digits", new Configuration());
        try {
            try (RegistryLock lock = r.lock("test", Duration.ofHours(1))) {
                r.promote(2, "better", lock);
            }
            awaitVersion("v2");
            try (RegistryLock lock = r.lock("test", Duration.ofHours(1))) {
                r.rollback("worse in production", lock);
            }
            awaitVersion("v1");
            try (RegistryLock lock = r.lock("test", Duration.ofHours(1))) {
                r.promote(r.register(RegistryFixtures.model(3), RegistryFixtures.snapshot("c"),
                        Map.of("kind", "train"), lock).number(), "third", lock);
            }
            Path zip = Path.of(URI.create(r.version(3).location())).resolve("model.zip");
            Files.write(zip, Arrays.copyOf(Files.readAllBytes(zip), 100));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (server.metrics().reloadFailures() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(server.metrics().reloadFailures() > 0, "the broken v3 was tried");
            assertEquals("v1", server.models().current().version(), "and kept out");
        } finally {
            loading.set(false);
            load.join();
        }
        assertEquals(0, failed.get(), "no failed request across a promotion, a rollback and a broken version");
        assertTrue(answered.get() > 0 && versions.containsAll(List.of("v1", "v2")), versions.toString());
        assertEquals(2, server.metrics().reloads());
    }

    private void awaitVersion(String version) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!server.models().current().version().equals(version) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(version, server.models().current().version());
    }

    @Test
    void explainAnswersTheOcclusionSaliencyOfTheTopClassAsPngOrJson() throws Exception {
        start(config(), Map.of());
        byte[] png = Images.encode(Images.grey(28, 28, 5), "png");
        HttpResponse<String> json = post("/v2/models/digits/explain?format=json", "image/png", png);
        assertEquals(200, json.statusCode(), json.body());
        JsonNode answer = JSON.readTree(json.body());
        SavedModel model = RegistryFixtures.model(1);
        float[] decoded = new ImageDecoder(new ImageConfig(28, 28, 1, ResizePolicy.ERROR, NormalisationKind.UNIT))
                .decode(png, "x.png").pixels();
        Classifier.Prediction top = direct(model, List.of(decoded)).get(0);
        assertEquals(top.label(), answer.get("label").asText());
        List<float[]> occluded = io.sparkcnn.model.Occlusion.occluded(decoded, model.shape());
        assertEquals(13 * 13, occluded.size(), "4-pixel patches every 2 pixels on 28x28");
        double[] covered = direct(model, occluded).stream().mapToDouble(p -> p.probability()[top.index()]).toArray();
        float[] expected = io.sparkcnn.model.Occlusion.map(top.confidence(), covered, model.shape());
        assertEquals(784, answer.get("saliency").size());
        for (int i = 0; i < 784; i++) {
            assertEquals(expected[i], answer.get("saliency").get(i).floatValue(), 1e-5, "pixel " + i);
        }

        HttpResponse<byte[]> image = HTTP.send(HttpRequest.newBuilder(URI.create(url("/v2/models/digits/explain")))
                .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, image.statusCode());
        assertEquals(Optional.of("image/png"), image.headers().firstValue("Content-Type"));
        assertEquals(Optional.of("v1"), image.headers().firstValue("X-Model-Version"));
        java.awt.image.BufferedImage map = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(image.body()));
        assertEquals(28 * 8, map.getWidth(), "scaled by a whole factor to at least 224 pixels");
        assertEquals(400, post("/v2/models/digits/explain", "image/png", "x".getBytes()).statusCode());
    }

    @Test
    void aBearerTokenIsRequiredWhereConfiguredButNotForHealthChecks() throws Exception {
        assertThrows(ConfigException.class, () -> start(config("serve.tokenEnv=SERVE_TOKEN"), Map.of()));
        start(config("serve.tokenEnv=SERVE_TOKEN"), Map.of("SERVE_TOKEN", "s3cret"));
        byte[] png = Images.encode(Images.grey(28, 28, 5), "png");
        HttpResponse<String> none = post("/v2/models/digits/classify", "image/png", png);
        assertEquals(401, none.statusCode(), none.body());
        assertEquals(Optional.of("Bearer"), none.headers().firstValue("WWW-Authenticate"));
        HttpResponse<String> wrong = HTTP.send(HttpRequest.newBuilder(URI.create(url("/v2/models/digits/classify")))
                .header("Authorization", "Bearer guess").POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, wrong.statusCode());
        HttpResponse<String> right = HTTP.send(HttpRequest.newBuilder(URI.create(url("/v2/models/digits/classify")))
                .header("Authorization", "Bearer s3cret").header("Content-Type", "image/png")
                .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, right.statusCode(), right.body());
        assertEquals(200, get("/v2/health/ready").statusCode());
        assertEquals(200, get("/metrics").statusCode());
    }

    @Test
    void closingFinishesTheRequestsInFlight() throws Exception {
        start(config("serve.maxDelayMs=300", "serve.maxBatch=64", "serve.threads=1"), Map.of());
        byte[] png = Images.encode(Images.grey(28, 28, 5), "png");
        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            inFlight.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(url("/v2/models/digits/classify")))
                    .header("Content-Type", "image/png").POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!get("/metrics").body().contains("spark_cnn_queue_images 10") && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        server.close();
        server = null;
        for (CompletableFuture<HttpResponse<String>> f : inFlight) {
            assertEquals(200, f.get().statusCode(), f.get().body());
        }
    }
}
