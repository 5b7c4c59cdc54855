package io.sparkcnn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.config.NormalisationKind;
import io.sparkcnn.config.ResizePolicy;
import io.sparkcnn.data.ImageDecoder;
import io.sparkcnn.data.LabelIndex;
import io.sparkcnn.data.Normalisation;
import io.sparkcnn.model.Architectures;
import io.sparkcnn.model.Classifier;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.registry.ModelRegistry;
import io.sparkcnn.registry.RegistryLock;
import io.sparkcnn.serve.InferenceServer;
import io.sparkcnn.serve.ModelSource;
import io.sparkcnn.testing.Images;
import io.sparkcnn.testing.TestProvenance;
import org.apache.hadoop.conf.Configuration;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * serve under load from a real HTTP load generator ({@code hey}) on loopback, PNG uploads to
 * {@code /classify}: throughput and p50/p99 latency at concurrency 1, 8 and 64, beside the same model's batched
 * inference in-process on as many threads (the ceiling), and with the decoding included (what an upload needs
 * besides HTTP); rounds interleaved, medians reported. Then a load run during which the champion is promoted
 * and rolled back 10 times: every answer must be 200. The load generator runs on the same cores as the server.
 * Usage: ServeBench ARCHITECTURES(comma-separated) [ROUNDS] [SECONDS] [JSON_OUT]
 */
public final class ServeBench {
    private static final int[] CONCURRENCY = {1, 8, 64};

    public static void main(String[] args) throws Exception {
        List<String> architectures = List.of(args[0].split(","));
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        String jsonOut = args.length > 3 ? args[3] : "target/bench/bench-serve.json";
        Path work = Files.createDirectories(Path.of("target/bench/serve"));
        Path png = work.resolve("image.png");
        Files.write(png, Images.encode(Images.grey(28, 28, 5), "png"));
        int cores = Runtime.getRuntime().availableProcessors();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("cpu", io.sparkcnn.config.BuildInfo.cpu());
        json.put("cores", cores);
        json.put("rounds", rounds);
        json.put("secondsPerRun", seconds);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String architecture : architectures) {
            rows.add(bench(architecture, work, png, cores, rounds, seconds));
        }
        json.put("models", rows);
        Path out = Path.of(jsonOut);
        Files.createDirectories(out.getParent());
        Files.writeString(out, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
        System.out.println("wrote " + out);
    }

    private static SavedModel model(String architecture, long seed) {
        JobConfig job = JobConfigLoader.load(Optional.empty(), List.of("model.architecture=" + architecture));
        InputShape shape = new InputShape(1, 28, 28);
        return new SavedModel(Architectures.build(job.train(), shape, 10, seed).build(),
                LabelIndex.of(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")), shape, Normalisation.unit(),
                TestProvenance.of("serve bench", seed));
    }

    private static Map<String, Object> bench(String architecture, Path work, Path png, int cores, int rounds,
                                             int seconds) throws Exception {
        String registryDir = work.resolve("registry-" + architecture + "-" + System.nanoTime()).toUri().toString();
        ModelRegistry registry = ModelRegistry.open(registryDir, architecture, new Configuration());
        try (RegistryLock lock = registry.lock("bench", Duration.ofHours(1))) {
            registry.promote(registry.register(model(architecture, 1), Map.of(), Map.of("kind", "train"), lock)
                    .number(), "bench", lock);
            registry.register(model(architecture, 2), Map.of(), Map.of("kind", "train"), lock);
        }
        JobConfig job = JobConfigLoader.load(Optional.empty(), List.of("serve.port=0", "serve.pollSeconds=1",
                "serve.queueCapacity=4096", "serve.shutdownSeconds=2"));
        Map<String, List<Double>> figures = new TreeMap<>();
        try (InferenceServer server = InferenceServer.start(job.serve(), ModelSource.champion(registryDir,
                architecture, ResizePolicy.ERROR, 50_000_000L, new Configuration()), Map.of())) {
            String url = "http://127.0.0.1:" + server.port() + "/v2/models/" + architecture + "/classify";
            hey(url, png, 4, 2); // warm-up: JIT, replicas
            for (int r = 0; r < rounds; r++) {
                add(figures, "ceiling images/s", inProcess(model(architecture, 1), cores, seconds, false, png));
                add(figures, "ceiling with decoding images/s", inProcess(model(architecture, 1), cores, seconds, true,
                        png));
                for (int c : CONCURRENCY) {
                    Map<String, Object> h = hey(url, png, c, seconds);
                    add(figures, "c" + c + " requests/s", (Double) h.get("requestsPerSecond"));
                    add(figures, "c" + c + " p50 ms", (Double) h.get("p50ms"));
                    add(figures, "c" + c + " p99 ms", (Double) h.get("p99ms"));
                    add(figures, "c" + c + " non-200", ((Long) h.get("non200")).doubleValue());
                }
            }
            Map<String, Object> swaps = duringPromotions(registry, server, url, png);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("architecture", architecture);
            System.out.printf(Locale.ROOT, "%n%s (%d inference threads, medians of %d rounds of %d s)%n", architecture,
                    cores, rounds, seconds);
            for (Map.Entry<String, List<Double>> e : figures.entrySet()) {
                double median = Medians.of(e.getValue());
                row.put(e.getKey(), median);
                System.out.printf(Locale.ROOT, "  %-32s %12.2f   %s%n", e.getKey(), median, e.getValue());
            }
            double ceiling = Medians.of(figures.get("ceiling images/s"));
            double served = Medians.of(figures.get("c64 requests/s"));
            row.put("c64 share of the ceiling", served / ceiling);
            row.put("promotions", swaps);
            System.out.printf(Locale.ROOT, "  c64 served / ceiling: %.2f; during 10 promotions and rollbacks: %s%n",
                    served / ceiling, swaps);
            return row;
        }
    }

    private static void add(Map<String, List<Double>> figures, String key, double value) {
        figures.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }

    /** Batched inference (and optionally decoding) on {@code threads} threads, each with its own replica. */
    private static double inProcess(SavedModel model, int threads, int seconds, boolean decode, Path png)
            throws Exception {
        byte[] bytes = Files.readAllBytes(png);
        AtomicLong images = new AtomicLong();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread thread = new Thread(() -> {
                Classifier classifier = Classifier.of(model.network().replica(), model, 5);
                ImageDecoder decoder = new ImageDecoder(new ImageConfig(28, 28, 1, ResizePolicy.ERROR,
                        NormalisationKind.UNIT));
                List<float[]> batch = new ArrayList<>();
                try {
                    float[] pixels = decoder.decode(bytes, "x.png").pixels();
                    while (System.nanoTime() < end) {
                        batch.clear();
                        for (int i = 0; i < 32; i++) {
                            batch.add(decode ? decoder.decode(bytes, "x.png").pixels() : pixels);
                        }
                        classifier.classify(batch);
                        images.addAndGet(batch.size());
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            thread.start();
            all.add(thread);
        }
        long start = System.nanoTime();
        for (Thread t : all) {
            t.join();
        }
        return images.get() / ((System.nanoTime() - start + Duration.ofSeconds(seconds).toNanos()) / 2e9);
    }

    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern PERCENTILE = Pattern.compile("(\\d+)% in ([0-9.]+) secs");
    private static final Pattern STATUS = Pattern.compile("\\[(\\d+)]\\s+(\\d+) responses");
    private static final Pattern ERRORS = Pattern.compile("Error distribution:([\\s\\S]*)");

    /** Runs hey for {@code seconds} at {@code concurrency}; its requests/s, p50 and p99 and non-200 answers. */
    private static Map<String, Object> hey(String url, Path body, int concurrency, int seconds) throws Exception {
        Process p = new ProcessBuilder("hey", "-z", seconds + "s", "-c", String.valueOf(concurrency), "-m", "POST",
                "-T", "image/png", "-D", body.toString(), "-t", "20", url).redirectErrorStream(true).start();
        String out;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            out = String.join("\n", r.lines().toList());
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("hey failed:\n" + out);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        Matcher rps = RPS.matcher(out);
        m.put("requestsPerSecond", rps.find() ? Double.parseDouble(rps.group(1)) : 0.0);
        Matcher pct = PERCENTILE.matcher(out);
        while (pct.find()) {
            if (pct.group(1).equals("50")) {
                m.put("p50ms", Double.parseDouble(pct.group(2)) * 1000);
            } else if (pct.group(1).equals("99")) {
                m.put("p99ms", Double.parseDouble(pct.group(2)) * 1000);
            }
        }
        long non200 = 0;
        Matcher status = STATUS.matcher(out);
        while (status.find()) {
            if (!status.group(1).equals("200")) {
                non200 += Long.parseLong(status.group(2));
            }
        }
        Matcher errors = ERRORS.matcher(out);
        if (errors.find()) {
            Matcher n = Pattern.compile("\\[(\\d+)]").matcher(errors.group(1));
            while (n.find()) {
                non200 += Long.parseLong(n.group(1));
            }
        }
        m.put("non200", non200);
        m.putIfAbsent("p50ms", Double.NaN);
        m.putIfAbsent("p99ms", Double.NaN);
        return m;
    }

    /** A load run during which the champion changes 10 times (promote v2, roll back to v1, ...). */
    private static Map<String, Object> duringPromotions(ModelRegistry registry, InferenceServer server, String url,
                                                       Path png) throws Exception {
        long reloadsBefore = server.metrics().reloads();
        Map<String, Object>[] result = new Map[1];
        Thread load = new Thread(() -> {
            try {
                result[0] = hey(url, png, 16, 30);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        load.start();
        Thread.sleep(1000);
        for (int i = 0; i < 10; i++) {
            try (RegistryLock lock = registry.lock("bench", Duration.ofHours(1))) {
                if (i % 2 == 0) {
                    registry.promote(2, "bench promotion " + i, lock);
                } else {
                    registry.rollback("bench rollback " + i, lock);
                }
            }
            Thread.sleep(2500);
        }
        load.join();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("swapsSeen", server.metrics().reloads() - reloadsBefore);
        m.put("requestsPerSecond", result[0].get("requestsPerSecond"));
        m.put("non200", result[0].get("non200"));
        return m;
    }
}
