package io.sparkcnn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.config.NormalisationKind;
import io.sparkcnn.config.ResizePolicy;
import io.sparkcnn.data.ImageDecoder;
import io.sparkcnn.model.Classifier;
import io.sparkcnn.model.ModelStore;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.spark.SparkSessions;
import io.sparkcnn.spark.job.PredictJob;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Batch predict end to end on a real lake (local[2]), with where its time goes (listing, classifying, counting,
 * writing), beside the two ceilings of one core measured in the same JVM between its rounds: decoding the lake's
 * files and the model's batched inference. Rounds interleaved, medians reported.
 * Usage: PredictBench MODEL_DIR LAKE ROUNDS JSON_OUT
 */
public final class PredictBench {
    public static void main(String[] args) throws Exception {
        io.sparkcnn.train.OpenBlasCore.prepare(); // as the command line does, before ND4J loads
        String modelDir = args[0];
        String lake = args[1];
        int rounds = Integer.parseInt(args[2]);
        Path json = Path.of(args[3]);
        JobConfig job = JobConfigLoader.load(Optional.empty(), List.of("predict.lake=" + lake,
                "predict.output=" + Path.of("target/bench/predict-out").toAbsolutePath(), "output.dir="
                        + Path.of("target/bench/predict-job").toAbsolutePath()));
        SavedModel model = ModelStore.read(modelDir, new org.apache.hadoop.conf.Configuration());
        List<Path> sample = new ArrayList<>();
        try (var files = Files.walk(Path.of(lake))) {
            files.filter(p -> p.toString().endsWith(".png")).limit(20_000).forEach(sample::add);
        }
        Map<String, List<Double>> figures = new LinkedHashMap<>();
        try (SparkSession spark = SparkSessions.create(job)) {
            for (int r = 0; r < rounds; r++) {
                PredictJob.Result result = PredictJob.run(spark, job, model, modelDir, modelDir, true);
                add(figures, "end to end images/s", result.imagesPerSecond());
                add(figures, "end to end seconds", result.seconds());
                result.stageSeconds().forEach((stage, s) -> add(figures, stage + " seconds", s));
                double[] ceilings = ceilings(model, sample);
                add(figures, "one core decodes images/s", ceilings[0]);
                add(figures, "one core infers images/s", ceilings[1]);
                System.out.printf(Locale.ROOT, "round %d: %.0f images/s end to end, stages %s; one core decodes "
                        + "%.0f/s, infers %.0f/s%n", r + 1, result.imagesPerSecond(), result.stageSeconds(),
                        ceilings[0], ceilings[1]);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cpu", io.sparkcnn.config.BuildInfo.cpu());
        out.put("lake", lake);
        out.put("rounds", rounds);
        System.out.printf(Locale.ROOT, "%n%-32s %12s%n", "figure", "median");
        for (Map.Entry<String, List<Double>> e : figures.entrySet()) {
            double median = Medians.of(e.getValue());
            out.put(e.getKey(), median);
            System.out.printf(Locale.ROOT, "%-32s %12.2f%n", e.getKey(), median);
        }
        double ceiling = Math.min(Medians.of(figures.get("one core decodes images/s")),
                Medians.of(figures.get("one core infers images/s")));
        double share = Medians.of(figures.get("end to end images/s")) / ceiling;
        out.put("end to end / the slower one-core ceiling", share);
        System.out.printf(Locale.ROOT, "end to end / the slower one-core ceiling: %.2f%n", share);
        Files.createDirectories(json.getParent());
        Files.writeString(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
        System.out.println("wrote " + json);
    }

    /** One thread: images/s decoding the sample, and images/s of batched (256) inference on the decoded images. */
    private static double[] ceilings(SavedModel model, List<Path> files) throws Exception {
        ImageDecoder decoder = new ImageDecoder(new ImageConfig(model.shape().height(), model.shape().width(),
                model.shape().channels(), ResizePolicy.ERROR, NormalisationKind.UNIT));
        List<byte[]> bytes = new ArrayList<>();
        for (Path f : files) {
            bytes.add(Files.readAllBytes(f));
        }
        long t0 = System.nanoTime();
        List<float[]> pixels = new ArrayList<>();
        for (int i = 0; i < bytes.size(); i++) {
            pixels.add(decoder.decode(bytes.get(i), files.get(i).toString()).pixels());
        }
        long t1 = System.nanoTime();
        Classifier classifier = Classifier.of(model.network(), model, 3);
        for (int i = 0; i < pixels.size(); i += 256) {
            classifier.classify(pixels.subList(i, Math.min(pixels.size(), i + 256)));
        }
        long t2 = System.nanoTime();
        return new double[] {files.size() / ((t1 - t0) / 1e9), files.size() / ((t2 - t1) / 1e9)};
    }

    private static void add(Map<String, List<Double>> figures, String key, double value) {
        figures.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
}
