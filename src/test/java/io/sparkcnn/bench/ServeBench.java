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
 * serve under load from a real HTTP load generator ({@code wrk}) on loopback, PNG uploads to
 * {@code /classify}: throughput and p50/p99 latency at concurrency 1, 8 and 64, beside the same model's batched
 * inference in-process on as many threads (the ceiling), and with the decoding included (what an upload needs
 * besides HTTP); rounds interleaved, medians reported. Then a load run during which the champion is promoted
 * and rolled back 10 times: every answer must be 200. The load generator runs on the same cores as the server.
 * Usage: ServeBench ARCHITECTURE[@CxHxW],... [ROUNDS] [SECONDS] [JSON_OUT]   (input 1x28x28 unless given)
 */
public final class ServeBench {
    private static final int[] CONCURRENCY = {1, 8, 64};

    public static void main(String[] args) throws Exception {
        io.sparkcnn.train.OpenBlasCore.prepare(); // as the command line does, before ND4J loads
        List<String> architectures = List.of(args[0].split(","));
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        String jsonOut = args.length > 3 ? args[3] : "target/bench/bench-serve.json";
        Path work = Files.createDirectories(Path.of("target/bench/serve"));
        int cores = Runtime.getRuntime().availableProcessors();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("cpu", io.sparkcnn.config.BuildInfo.cpu());
        json.put("cores", cores);
        json.put("rounds", rounds);
        json.put("secondsPerRun", seconds);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String spec : architectures) {
            // ARCHITECTURE[@CxHxW]: the input shape, 1x28x28 (Fashion-MNIST's) unless given
            String[] parts = spec.split("@");
            String[] dims = (parts.length > 1 ? parts[1] : "1x28x28").split("x");
            InputShape shape = new InputShape(Integer.parseInt(dims[0]), Integer.parseInt(dims[1]),
                    Integer.parseInt(dims[2]));
            Path png = work.resolve("image-" + shape.channels() + "x" + shape.height() + "x" + shape.width() + ".png");
            Files.write(png, Images.encode(shape.channels() == 1 ? Images.grey(shape.width(), shape.height(), 5)
                    : Images.rgb(shape.width(), shape.height(), java.awt.image.BufferedImage.TYPE_INT_RGB, 5), "png"));
            rows.add(bench(parts[0], shape, work, png, cores, rounds, seconds));
        }
        json.put("models", rows);
        Path out = Path.of(jsonOut);
        Files.createDirectories(out.getParent());
        Files.writeString(out, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
        System.out.println("wrote " + out);
    }

    private static SavedModel model(String architecture, InputShape shape, long seed) {
        JobConfig job = JobConfigLoader.load(Optional.empty(), List.of("model.architecture=" + architecture));
        return new SavedModel(Architectures.build(job.train(), shape, 10, seed).build(),
                LabelIndex.of(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")), shape, Normalisation.unit(),
                TestProvenance.of("serve bench", seed));
    }

    private static Map<String, Object> bench(String architecture, InputShape shape, Path work, Path png, int cores,
                                             int rounds, int seconds) throws Exception {
        String registryDir = work.resolve("registry-" + architecture + "-" + System.nanoTime()).toUri().toString();
        ModelRegistry registry = ModelRegistry.open(registryDir, architecture, new Configuration());
        try (RegistryLock lock = registry.lock("bench", Duration.ofHours(1))) {
            registry.promote(registry.register(model(architecture, shape, 1), Map.of(), Map.of("kind", "train"), lock)
                    .number(), "bench", lock);
            registry.register(model(architecture, shape, 2), Map.of(), Map.of("kind", "train"), lock);
        }
        JobConfig job = JobConfigLoader.load(Optional.empty(), List.of("serve.port=0", "serve.pollSeconds=1",
                "serve.queueCapacity=4096", "serve.shutdownSeconds=2"));
        Map<String, List<Double>> figures = new TreeMap<>();
        try (InferenceServer server = InferenceServer.start(job.serve(), ModelSource.champion(registryDir,
                architecture, ResizePolicy.ERROR, 50_000_000L, new Configuration()), Map.of())) {
            String url = "http://127.0.0.1:" + server.port() + "/v2/models/" + architecture + "/classify";
            load(url, png, 8, 10); // warm-up: JIT, replicas
            for (int r = 0; r < rounds; r++) {
                long cpu = processCpuNanos();
                double ceiling = inProcess(model(architecture, shape, 1), cores, seconds, false, png);
                add(figures, "ceiling images/s", ceiling);
                add(figures, "ceiling CPU us/image", (processCpuNanos() - cpu) / 1e3 / (ceiling * seconds));
                add(figures, "ceiling with decoding images/s", inProcess(model(architecture, shape, 1), cores, seconds, true,
                        png));
                for (int c : CONCURRENCY) {
                    Map<String, Object> h = load(url, png, c, seconds);
                    add(figures, "c" + c + " requests/s", (Double) h.get("requestsPerSecond"));
                    add(figures, "c" + c + " p50 ms", (Double) h.get("p50ms"));
                    add(figures, "c" + c + " p99 ms", (Double) h.get("p99ms"));
                    add(figures, "c" + c + " non-200", ((Long) h.get("non200")).doubleValue());
                    add(figures, "c" + c + " server CPU us/request", (Double) h.get("serverCpuMicrosPerRequest"));
                    add(figures, "c" + c + " wrk+rest CPU us/request", (Double) h.get("othersCpuMicrosPerRequest"));
                }
            }
            Map<String, Object> swaps = duringPromotions(registry, server, url, png);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("architecture", architecture);
            String input = shape.channels() + "x" + shape.height() + "x" + shape.width();
            row.put("input", input);
            System.out.printf(Locale.ROOT, "%n%s on %s (%d inference threads, medians of %d rounds of %d s)%n",
                    architecture, input, cores, rounds, seconds);
            for (Map.Entry<String, List<Double>> e : figures.entrySet()) {
                double median = Medians.of(e.getValue());
                row.put(e.getKey(), median);
                System.out.printf(Locale.ROOT, "  %-32s %12.2f   %s%n", e.getKey(), median, e.getValue());
            }
            double ceiling = Medians.of(figures.get("ceiling images/s"));
            double served = Medians.of(figures.get("c64 requests/s"));
            row.put("c64 share of the ceiling", served / ceiling);
            // What the server makes of the cores it gets: the load generator runs on the same two cores.
            double perCore = Medians.of(figures.get("ceiling CPU us/image"))
                    / Medians.of(figures.get("c64 server CPU us/request"));
            row.put("c64 share of the ceiling per server CPU second", perCore);
            row.put("promotions", swaps);
            System.out.printf(Locale.ROOT, "  c64 served / ceiling: %.2f (per CPU second: %.2f); during 10 promotions "
                    + "and rollbacks: %s%n", served / ceiling, perCore, swaps);
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
                InputShape shape = model.shape();
                ImageDecoder decoder = new ImageDecoder(new ImageConfig(shape.height(), shape.width(),
                        shape.channels(), ResizePolicy.ERROR,
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
    private static final Pattern PERCENTILE = Pattern.compile("(\\d+)%\\s+([0-9.]+)(us|ms|s)\\b");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern SOCKET_ERRORS =
            Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

    /**
     * Runs wrk (one thread: the load generator's share of the cores stays small) for {@code seconds} with
     * {@code concurrency} connections, each posting {@code body}; its requests/s, p50 and p99, the answers that
     * were not 2xx or never came, and the CPU time this JVM (the server) and the whole machine spent meanwhile.
     */
    private static Map<String, Object> load(String url, Path body, int concurrency, int seconds) throws Exception {
        Path script = body.resolveSibling("post.lua");
        Files.writeString(script, "local f = io.open(\"" + body.toAbsolutePath() + "\", \"rb\")\n"
                + "wrk.method = \"POST\"\nwrk.body = f:read(\"*a\")\nf:close()\n"
                + "wrk.headers[\"Content-Type\"] = \"image/png\"\n");
        long serverCpu = processCpuNanos();
        long machine = machineTicks();
        Process p = new ProcessBuilder("wrk", "-t1", "-c" + concurrency, "-d" + seconds + "s", "--timeout", "20s",
                "--latency", "-s", script.toString(), url).redirectErrorStream(true).start();
        String out;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            out = String.join("\n", r.lines().toList());
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("wrk failed:\n" + out);
        }
        serverCpu = processCpuNanos() - serverCpu;
        long machineAfter = machineTicks();
        Map<String, Object> m = new LinkedHashMap<>();
        Matcher rps = RPS.matcher(out);
        double perSecond = rps.find() ? Double.parseDouble(rps.group(1)) : 0.0;
        m.put("requestsPerSecond", perSecond);
        Matcher pct = PERCENTILE.matcher(out);
        while (pct.find()) {
            double value = Double.parseDouble(pct.group(2))
                    * switch (pct.group(3)) { case "us" -> 1e-3; case "ms" -> 1.0; default -> 1e3; };
            if (pct.group(1).equals("50")) {
                m.put("p50ms", value);
            } else if (pct.group(1).equals("99")) {
                m.put("p99ms", value);
            }
        }
        long failed = 0;
        Matcher non2xx = NON_2XX.matcher(out);
        if (non2xx.find()) {
            failed += Long.parseLong(non2xx.group(1));
        }
        Matcher errors = SOCKET_ERRORS.matcher(out);
        if (errors.find()) {
            for (int g = 1; g <= 4; g++) {
                failed += Long.parseLong(errors.group(g));
            }
        }
        m.put("non200", failed);
        m.putIfAbsent("p50ms", Double.NaN);
        m.putIfAbsent("p99ms", Double.NaN);
        double requests = perSecond * seconds;
        m.put("serverCpuMicrosPerRequest", serverCpu / 1e3 / requests);
        double busySeconds = (machineAfter - machine) / 100.0;
        m.put("othersCpuMicrosPerRequest", Math.max(0, busySeconds * 1e6 - serverCpu / 1e3) / requests);
        return m;
    }

    /** CPU time of this JVM, all threads. */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** The machine's busy clock ticks (1/100 s) from /proc/stat: everything but idle and iowait. */
    private static long machineTicks() throws Exception {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long busy = 0;
        for (int i = 1; i < f.length && i <= 8; i++) {
            if (i != 4 && i != 5) {
                busy += Long.parseLong(f[i]);
            }
        }
        return busy;
    }

    /** A load run during which the champion changes 10 times (promote v2, roll back to v1, ...). */
    private static Map<String, Object> duringPromotions(ModelRegistry registry, InferenceServer server, String url,
                                                       Path png) throws Exception {
        long reloadsBefore = server.metrics().reloads();
        Map<String, Object>[] result = new Map[1];
        Thread load = new Thread(() -> {
            try {
                result[0] = load(url, png, 16, 30);
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
