package io.sparkcnn.bench;

import io.sparkcnn.config.BuildInfo;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.spark.SparkSessions;
import io.sparkcnn.spark.job.TrainJob;
import io.sparkcnn.spark.ml.CnnClassifier;
import io.sparkcnn.spark.training.FaultInjector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The Spark ML estimator's {@code fit} on an uncached DataFrame from Spark's {@code image} source against the
 * {@code train} job on the same PNG files: one epoch of the seed CNN each, local[2], in interleaved rounds in one
 * Spark session; medians of the wall time (listing or reading, decoding, training and evaluation included).
 * Usage: FitBench LAKE_FOLDER PER_CLASS ROUNDS JSON_OUT (LAKE_FOLDER: &lt;class&gt;/&lt;image&gt;.png, e.g. the
 * imported Fashion-MNIST training lake; PER_CLASS images of each class are copied to target/bench/fit-lake).
 */
public final class FitBench {
    public static void main(String[] args) throws Exception {
        io.sparkcnn.train.OpenBlasCore.prepare(); // as the command line does, before ND4J loads
        Path source = Path.of(args[0]);
        int perClass = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        Path json = Path.of(args[3]);
        Path lake = Path.of("target/bench/fit-lake").toAbsolutePath();
        int images = copy(source, lake, perClass);
        List<String> settings = List.of("train.epochs=1", "data.heldOutFraction=0.1",
                "output.dir=" + Path.of("target/bench/fit-out").toAbsolutePath(), "data.train=" + lake);
        JobConfig job = JobConfigLoader.load(Optional.empty(), settings);
        Map<String, double[]> seconds = new LinkedHashMap<>();
        String cli = "train job (lake)";
        String fit = "CnnClassifier.fit (image source, uncached)";
        seconds.put(cli, new double[rounds]);
        seconds.put(fit, new double[rounds]);
        try (SparkSession spark = SparkSessions.create(job)) {
            for (int r = 0; r < rounds; r++) {
                long t = System.nanoTime();
                TrainJob.run(spark, job, true, FaultInjector.NONE);
                seconds.get(cli)[r] = (System.nanoTime() - t) / 1e9;

                t = System.nanoTime();
                Dataset<Row> df = spark.read().format("image").load(lake + "/*/*.png")
                        .selectExpr("image", "regexp_extract(image.origin, '/([^/]+)/[^/]+$', 1) AS label");
                new CnnClassifier().setEpochs(1).setHeldOutFraction(0.1).fit(df);
                seconds.get(fit)[r] = (System.nanoTime() - t) / 1e9;
                System.out.printf("round %d: %s %.1f s, %s %.1f s%n", r + 1, cli, seconds.get(cli)[r], fit,
                        seconds.get(fit)[r]);
            }
        }
        String cpu = BuildInfo.cpu().getOrDefault("cpu.model", "unknown");
        System.out.printf("%nOne epoch of the seed CNN on %d PNGs, local[2], %d interleaved rounds, %s%n", images,
                rounds, cpu);
        System.out.printf("%-45s %10s %10s %10s%n", "variant", "median s", "min", "max");
        StringBuilder out = new StringBuilder("{\n  \"cpu\": \"" + cpu + "\",\n  \"images\": " + images
                + ",\n  \"rounds\": " + rounds + ",\n  \"seconds\": {");
        String sep = "\n";
        for (var e : seconds.entrySet()) {
            double[] v = e.getValue().clone();
            Arrays.sort(v);
            System.out.printf("%-45s %10.1f %10.1f %10.1f%n", e.getKey(), v[v.length / 2], v[0], v[v.length - 1]);
            out.append(sep).append("    \"").append(e.getKey()).append("\": {\"median\": ").append(v[v.length / 2])
                    .append(", \"min\": ").append(v[0]).append(", \"max\": ").append(v[v.length - 1]).append('}');
            sep = ",\n";
        }
        out.append("\n  }\n}\n");
        Files.createDirectories(json.getParent());
        Files.writeString(json, out);
        System.out.println("wrote " + json);
    }

    /** Copies the first {@code perClass} images of every class folder; returns how many there are. */
    private static int copy(Path source, Path lake, int perClass) throws Exception {
        int n = 0;
        List<Path> classes;
        try (Stream<Path> s = Files.list(source)) {
            classes = s.filter(Files::isDirectory).sorted().toList();
        }
        for (Path c : classes) {
            List<Path> files;
            try (Stream<Path> s = Files.list(c)) {
                files = new ArrayList<>(s.filter(f -> f.toString().endsWith(".png")).sorted().limit(perClass).toList());
            }
            Path target = lake.resolve(c.getFileName().toString());
            Files.createDirectories(target);
            for (Path f : files) {
                Path to = target.resolve(f.getFileName().toString());
                if (!Files.exists(to)) {
                    Files.copy(f, to);
                }
                n++;
            }
        }
        return n;
    }
}
