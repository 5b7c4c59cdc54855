package io.sparkcnn.spark.training;

import io.sparkcnn.testing.Java17Flags;
import io.sparkcnn.testing.LocalClusterHome;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The fixed cost of an averaging round, without the fitting: on a local-cluster of E executors (one core each,
 * separate JVMs, so every broadcast and result crosses a socket and a serialiser), the driver broadcasts P
 * parameters (and, "with state", Adam's 2P moments), each worker takes them as a fitted replica would and returns
 * them, and the driver tree-aggregates and averages them: exactly the objects and calls of
 * {@link DistributedTrainer}'s rounds. Also an empty job (scheduling alone). Rounds of the variants interleave;
 * medians are reported. A least-squares model in the bytes one worker exchanges, b, is fitted on every
 * measurement but one parameter count ({@code holdOut}), and checked against that one:
 * <pre>  round seconds = a + e * E + b * (c + d * E)</pre>
 * a: a job's fixed cost; e: per task; c: the driver's work per byte; d: the executors' work per byte and executor
 * (which on this machine's cores run a few at a time). Prints a table; writes JSON.
 * Usage: RoundCostBench EXECUTORS(2,4,8,16) MILLIONS(0.05,1,4,11,25) HOLD_OUT(11) ROUNDS OUT.json
 * EXECUTOR_MB(3000,3000,2000,1000); or RoundCostBench --report IN.json[,IN2.json] OUT.json to re-fit measurements
 */
public final class RoundCostBench {
    record Cell(int executors, int params, boolean state, double seconds, double bytes) {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("--report")) { // re-fit and re-report the measurements of an earlier run: --report IN OUT
            List<Cell> cells = new ArrayList<>();
            Map<Integer, Double> empty = new LinkedHashMap<>();
            double heldOut = 0;
            for (String in : args[1].split(",")) {
                Map<?, ?> earlier = new com.fasterxml.jackson.databind.ObjectMapper().readValue(Path.of(in).toFile(),
                        Map.class);
                for (Object o : (List<?>) earlier.get("rounds")) {
                    Map<?, ?> c = (Map<?, ?>) o;
                    cells.add(new Cell(((Number) c.get("executors")).intValue(),
                            ((Number) c.get("parameters")).intValue(), (Boolean) c.get("state"),
                            ((Number) c.get("seconds")).doubleValue(), ((Number) c.get("bytes")).doubleValue()));
                }
                ((Map<?, ?>) earlier.get("emptyJobSeconds")).forEach((e, v) -> empty.put(
                        Integer.parseInt((String) e), ((Number) v).doubleValue()));
                heldOut = ((Number) ((Map<?, ?>) earlier.get("model")).get("heldOutParameters")).doubleValue() / 1e6;
            }
            report(cells, empty, heldOut, driverSecondsPerTask(), Path.of(args[2]));
            return;
        }
        int[] executors = java.util.Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray();
        double[] millions = java.util.Arrays.stream(args[1].split(",")).mapToDouble(Double::parseDouble).toArray();
        double holdOut = Double.parseDouble(args[2]);
        int rounds = Integer.parseInt(args[3]);
        Path out = Path.of(args[4]);
        // Executors of a local-cluster share this machine's memory (MB each, by executor count), and an executor
        // holds up to about 10 copies of a worker's exchange at once (the broadcast's blocks and values, returned
        // arrays, sums in doubles, serialised and shuffled results): the largest exchanges run on fewer executors.
        long[] memoriesMb = java.util.Arrays.stream(args[5].split(",")).mapToLong(Long::parseLong).toArray();
        List<Cell> cells = new ArrayList<>();
        Map<Integer, Double> emptyJob = new LinkedHashMap<>();
        for (int x = 0; x < executors.length; x++) {
            int e = executors[x];
            long memoryMb = memoriesMb[x];
            try (SparkSession spark = cluster(e, memoryMb)) {
                JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
                waitForExecutors(sc, e);
                JavaRDD<Integer> workers = sc.parallelize(IntStream.range(0, e).boxed().toList(), e).cache();
                workers.count();
                List<Double> empty = new ArrayList<>();
                for (int r = 0; r < 3 + 2 * rounds; r++) {
                    long t = System.nanoTime();
                    workers.map(i -> i).treeAggregate(0, Integer::sum, Integer::sum,
                            AggregationTree.forWorkers(e).depth());
                    if (r >= 3) {
                        empty.add((System.nanoTime() - t) / 1e9);
                    }
                }
                emptyJob.put(e, io.sparkcnn.bench.Medians.of(empty));
                for (double m : millions) {
                    int p = (int) Math.round(m * 1e6);
                    Map<Boolean, List<Double>> seconds = new LinkedHashMap<>();
                    for (boolean state : new boolean[] {false, true}) {
                        if (10 * exchangedBytes(p, state) < memoryMb * 1e6) {
                            seconds.put(state, new ArrayList<>());
                        }
                    }
                    float[] params = random(p, 1);
                    float[] moments = random(2 * p, 2);
                    for (int r = 0; r < rounds + 1; r++) {
                        for (Map.Entry<Boolean, List<Double>> v : seconds.entrySet()) {
                            double s = round(sc, workers, e, params, v.getKey() ? moments : new float[0]);
                            if (r > 0) {
                                v.getValue().add(s);
                            }
                        }
                    }
                    seconds.forEach((state, list) -> {
                        Cell c = new Cell(e, p, state, io.sparkcnn.bench.Medians.of(list), exchangedBytes(p, state));
                        cells.add(c);
                        System.out.printf(Locale.ROOT, "%3d executors %10d parameters %-12s %8.3f s%n", e, p,
                                state ? "with state" : "weights only", c.seconds());
                    });
                }
            }
        }
        report(cells, emptyJob, holdOut, driverSecondsPerTask(), out);
    }

    /**
     * The driver's own cost per task: empty jobs of 16 to 512 tasks in local mode (the tasks run in the driver's
     * JVM, so this bounds what the driver spends launching a task and taking its result), the slope of the medians.
     */
    static double driverSecondsPerTask() throws IOException {
        try (SparkSession spark = SparkSession.builder().appName("driver-per-task").master("local[2]")
                .config("spark.driver.host", "127.0.0.1").config("spark.ui.enabled", "false").getOrCreate()) {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            double[] medians = new double[2];
            int[] tasks = {16, 512};
            for (int rep = 0; rep < 2; rep++) { // the first pass warms up
                for (int i = 0; i < tasks.length; i++) {
                    int n = tasks[i];
                    JavaRDD<Integer> rdd = sc.parallelize(IntStream.range(0, n).boxed().toList(), n);
                    List<Double> times = new ArrayList<>();
                    for (int r = 0; r < 7; r++) {
                        long t = System.nanoTime();
                        rdd.map(x -> x).treeAggregate(0, Integer::sum, Integer::sum,
                                AggregationTree.forWorkers(n).depth());
                        times.add((System.nanoTime() - t) / 1e9);
                    }
                    medians[i] = io.sparkcnn.bench.Medians.of(times);
                }
            }
            double perTask = (medians[1] - medians[0]) / (tasks[1] - tasks[0]);
            System.out.printf(Locale.ROOT, "driver, local[2]: %d tasks %.1f ms, %d tasks %.1f ms: %.2f ms a task%n",
                    tasks[0], 1000 * medians[0], tasks[1], 1000 * medians[1], 1000 * perTask);
            return perTask;
        }
    }

    /** What one worker receives and returns in a round: floats of the weights and, with state, Adam's moments. */
    static double exchangedBytes(int params, boolean state) {
        return 4.0 * params * (state ? 3 : 1);
    }

    private static double round(JavaSparkContext sc, JavaRDD<Integer> workers, int executors, float[] params,
                                float[] state) {
        long start = System.nanoTime();
        Broadcast<float[]> bParams = sc.broadcast(params);
        Broadcast<UpdaterStates> bState = sc.broadcast(UpdaterStates.merged(state));
        RoundResult r = workers.mapPartitions(it -> {
            RoundResult result = new RoundResult();
            while (it.hasNext()) {
                int worker = it.next();
                // What a fitted replica hands back: new arrays of the same sizes.
                result.add(worker, bParams.value().clone(), bState.value().forWorker(worker).clone(), true, 0, 1, 1);
            }
            return List.of(result).iterator();
        }).treeAggregate(new RoundResult(), RoundResult::merge, RoundResult::merge,
                AggregationTree.forWorkers(executors).depth());
        float[] merged = RoundResult.mean(r.paramSum, r.workers);
        float[] mergedState = RoundResult.mean(r.stateSum, r.workers);
        bParams.destroy();
        bState.destroy();
        if (r.workers != executors || merged.length != params.length || mergedState.length != state.length) {
            throw new IllegalStateException("a round merged " + r.workers + " workers");
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static SparkSession cluster(int executors, long memory) throws IOException {
        String classpath = LocalClusterHome.prepare(Files.createTempDirectory("spark-home"));
        return SparkSession.builder().appName("round-cost-" + executors)
                .master("local-cluster[" + executors + ",1," + memory + "]")
                .config("spark.executor.extraClassPath", classpath)
                .config("spark.executor.extraJavaOptions", String.join(" ", Java17Flags.read()))
                .config("spark.executor.memory", memory + "m")
                .config("spark.executorEnv.OMP_NUM_THREADS", "1")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.maxResultSize", "8g")
                .getOrCreate();
    }

    private static void waitForExecutors(JavaSparkContext sc, int executors) throws InterruptedException {
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (sc.sc().getExecutorMemoryStatus().size() - 1 < executors) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + (sc.sc().getExecutorMemoryStatus().size() - 1) + " of "
                        + executors + " executors registered in 3 minutes");
            }
            Thread.sleep(200);
        }
    }

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * 0.05);
        }
        return a;
    }

    /** Least squares of {@code seconds = a + e * E + b * (c + d * E)} over the cells not held out. */
    static double[] fit(List<Cell> cells) {
        double[][] xtx = new double[4][4];
        double[] xty = new double[4];
        for (Cell c : cells) {
            // Relative errors matter at every scale: weight each cell by 1 / seconds.
            double w = 1 / c.seconds();
            double[] x = features(c.executors(), c.bytes());
            for (int i = 0; i < 4; i++) {
                xty[i] += w * w * x[i] * c.seconds();
                for (int j = 0; j < 4; j++) {
                    xtx[i][j] += w * w * x[i] * x[j];
                }
            }
        }
        return solve(xtx, xty);
    }

    static double[] features(int executors, double bytes) {
        return new double[] {1, executors, bytes, bytes * executors};
    }

    static double predict(double[] model, int executors, double bytes) {
        double[] x = features(executors, bytes);
        double s = 0;
        for (int i = 0; i < 4; i++) {
            s += model[i] * x[i];
        }
        return s;
    }

    private static double[] solve(double[][] a, double[] b) {
        int n = b.length;
        double[][] m = new double[n][n + 1];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, m[i], 0, n);
            m[i][n] = b[i];
        }
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
                    pivot = r;
                }
            }
            double[] t = m[col];
            m[col] = m[pivot];
            m[pivot] = t;
            for (int r = 0; r < n; r++) {
                if (r != col) {
                    double f = m[r][col] / m[col][col];
                    for (int k = col; k <= n; k++) {
                        m[r][k] -= f * m[col][k];
                    }
                }
            }
        }
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = m[i][n] / m[i][i];
        }
        return x;
    }

    /** A driver link of 10 Gbit/s, and executors' links as fast. */
    static final double LINK_BYTES_PER_SECOND = 10e9 / 8;
    /**
     * ResNet-18 on 224x224 images, minibatch 32, on an executor of 16 cores: spark-cnn trains ResNet-18 at 96x96
     * at 13 images/s per core (docs/performance.md, bench-core); the work grows with the pixels (5.4x at 224x224),
     * and 16 threads are taken to scale at 75%: 29 images/s, 1.1 s a minibatch.
     */
    static final double RESNET18_SECONDS_PER_MINIBATCH = 32 / (13 / Math.pow(224.0 / 96, 2) * 16 * 0.75);

    /**
     * A round's cost besides fitting on a cluster of {@code executors} machines, from the model fitted here: the
     * job's fixed cost (a); the driver's own cost per task, measured in local mode, for every task of every level;
     * the driver's per-byte work (c); each executor's own work, fixed and per byte (2e and 2d: here two cores
     * serve all executors, so e * E and d * E are E executors' work two at a time), once per level of the tree,
     * since the executors of a level work at once; and the bytes on the
     * wire: the broadcast leaves the driver twice over (BitTorrent-like: executors then serve each other's
     * blocks), the driver receives its fan-in of merged results (doubles: twice a worker's bytes), and each level
     * merged on executors pulls its fan-in of results over an executor's link.
     */
    static double clusterRoundSeconds(double[] model, double driverPerTask, int executors, double bytes) {
        AggregationTree tree = AggregationTree.forWorkers(executors);
        double driver = model[0] + driverPerTask * executors * (1 + tree.executorLevels()) + model[2] * bytes;
        double onExecutors = 2 * (model[1] + model[3] * bytes) * (1 + tree.executorLevels());
        double wire = (2 * bytes + tree.driverFanIn() * 2 * bytes) / LINK_BYTES_PER_SECOND
                + tree.executorLevels() * tree.scale() * bytes / LINK_BYTES_PER_SECOND;
        return driver + onExecutors + wire;
    }

    private static List<String> cluster(double[] model, double driverPerTask) {
        System.out.printf(Locale.ROOT, "%nmodelled on a cluster (10 Gbit/s links; ResNet-18 at 224x224 fits a minibatch "
                + "of 32 in %.2f s on a 16-core executor):%n", RESNET18_SECONDS_PER_MINIBATCH);
        System.out.println("| network | exchange | executors | round cost besides fitting, s | fitting share at K = 20 "
                + "| K chosen | fitting share at K chosen |");
        System.out.println("|---|---|---|---|---|---|---|");
        List<String> rows = new ArrayList<>();
        Map<String, Integer> networks = new LinkedHashMap<>();
        networks.put("ResNet-18", 11_689_512);
        networks.put("ResNet-50", 25_557_032);
        for (Map.Entry<String, Integer> n : networks.entrySet()) {
            for (boolean state : new boolean[] {true, false}) {
                for (int e = 8; e <= 512; e *= 2) {
                    double bytes = exchangedBytes(n.getValue(), state);
                    double overhead = clusterRoundSeconds(model, driverPerTask, e, bytes);
                    // ResNet-50 does about 2.3x ResNet-18's work per image.
                    double perMinibatch = RESNET18_SECONDS_PER_MINIBATCH * (n.getKey().equals("ResNet-50") ? 2.3 : 1);
                    double at20 = 20 * perMinibatch / (20 * perMinibatch + overhead);
                    int chosen = io.sparkcnn.config.AveragingConfig.defaults().frequencyFor(perMinibatch, overhead);
                    double atChosen = chosen * perMinibatch / (chosen * perMinibatch + overhead);
                    System.out.printf(Locale.ROOT, "| %s | %s | %d | %.2f | %.0f%% | %d | %.0f%% |%n", n.getKey(),
                            state ? "weights + Adam state" : "weights only", e, overhead, 100 * at20, chosen,
                            100 * atChosen);
                    rows.add(String.format(Locale.ROOT, "    {\"network\": \"%s\", \"state\": %b, \"executors\": %d, "
                                    + "\"roundSecondsBesidesFitting\": %.4f, \"fittingShareK20\": %.4f, "
                                    + "\"chosenK\": %d, \"fittingShareChosenK\": %.4f}", n.getKey(), state, e,
                            overhead, at20, chosen, atChosen));
                }
            }
        }
        return rows;
    }

    private static void report(List<Cell> cells, Map<Integer, Double> emptyJob, double holdOutMillions,
                               double driverPerTask, Path out) throws IOException {
        int holdOut = (int) Math.round(holdOutMillions * 1e6);
        double[] model = fit(cells.stream().filter(c -> c.params() != holdOut).toList());
        System.out.printf(Locale.ROOT, "%nmodel (fitted without %d parameters): round s = %.4f + %.5f * E + "
                        + "bytes * (%.3e + %.3e * E)%n", holdOut, model[0], model[1], model[2], model[3]);
        System.out.println("| executors | parameters | exchange | MB per worker | measured s | model s | error |");
        System.out.println("|---|---|---|---|---|---|---|");
        Map<String, String> cpu = io.sparkcnn.config.BuildInfo.cpu();
        StringBuilder json = new StringBuilder("{\n  \"cpu\": \"" + cpu.getOrDefault("cpu.model", "") + " ("
                + cpu.getOrDefault("cpu.simd", "") + ")\",\n");
        json.append(String.format(Locale.ROOT, "  \"model\": {\"a\": %.6g, \"e\": %.6g, \"c\": %.6g, \"d\": %.6g, "
                + "\"heldOutParameters\": %d},%n  \"driverSecondsPerTask\": %.6g,%n  \"emptyJobSeconds\": {", model[0],
                model[1], model[2], model[3], holdOut, driverPerTask));
        List<String> empties = new ArrayList<>();
        emptyJob.forEach((e, s) -> empties.add(String.format(Locale.ROOT, "\"%d\": %.4f", e, s)));
        json.append(String.join(", ", empties)).append("},\n  \"rounds\": [\n");
        List<String> rows = new ArrayList<>();
        for (Cell c : cells) {
            double predicted = predict(model, c.executors(), c.bytes());
            double error = (predicted - c.seconds()) / c.seconds();
            System.out.printf(Locale.ROOT, "| %d | %,d%s | %s | %.1f | %.3f | %.3f | %+.0f%% |%n", c.executors(),
                    c.params(), c.params() == holdOut ? " (held out)" : "", c.state() ? "weights + Adam state"
                            : "weights only", c.bytes() / 1e6, c.seconds(), predicted, 100 * error);
            rows.add(String.format(Locale.ROOT, "    {\"executors\": %d, \"parameters\": %d, \"state\": %b, "
                            + "\"bytes\": %.0f, \"seconds\": %.5f, \"modelSeconds\": %.5f, \"heldOut\": %b}",
                    c.executors(), c.params(), c.state(), c.bytes(), c.seconds(), predicted, c.params() == holdOut));
        }
        json.append(String.join(",\n", rows));
        System.out.println();
        emptyJob.forEach((e, s) -> System.out.printf(Locale.ROOT, "empty job on %d executors: %.1f ms%n", e, 1000 * s));
        json.append("\n  ],\n  \"cluster\": [\n").append(String.join(",\n", cluster(model, driverPerTask))).append("\n  ]\n}\n");
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, json);
    }
}
