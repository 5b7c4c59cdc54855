package io.sparkcnn.bench;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.eval.Metrics;
import io.sparkcnn.model.Architectures;
import io.sparkcnn.model.NetworkSpec;
import io.sparkcnn.spark.SparkSessions;
import io.sparkcnn.spark.lake.DataPreparation;
import io.sparkcnn.spark.lake.PreparedData;
import io.sparkcnn.spark.training.DistributedTrainer;
import io.sparkcnn.spark.training.FaultInjector;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How far parameter averaging scales on this machine, two sections (epochs of all variants interleaved):
 * <ul>
 * <li>{@code speed}: the seed CNN on local[2] against (a) a single JVM on one thread and (a') two free fits at
 * once (no Spark, no averaging: the ceiling of two workers), with K = 20 and with K chosen from measured fit
 * time (the default); images/s per epoch and held-out accuracy after each.</li>
 * <li>{@code accuracy}: {@code ARCHITECTURE} with 2 and 8 workers at K = 20, K = 100, and K = 100 with the outer
 * optimiser (rate 1, Nesterov momentum 0.8); held-out accuracy and rounds per epoch.</li>
 * </ul>
 * Usage: ScaleBench CONF speed|accuracy EPOCHS OUT.json [ARCHITECTURE]
 */
public final class ScaleBench {
    public static void main(String[] args) throws Exception {
        io.sparkcnn.train.OpenBlasCore.prepare();
        String conf = args[0];
        String section = args[1];
        int epochs = Integer.parseInt(args[2]);
        Path out = Path.of(args[3]);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("cpu", io.sparkcnn.config.BuildInfo.cpu());
        json.put("epochs", epochs);
        if (section.equals("speed")) {
            json.put("speed", speed(conf, epochs));
        } else {
            json.put("accuracy", accuracy(conf, epochs, args.length > 4 ? args[4] : "deep-cnn"));
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.toFile(),
                json);
        System.out.println("wrote " + out);
    }

    private static JobConfig job(String conf, int epochs, String... overrides) {
        List<String> all = new ArrayList<>(List.of("train.epochs=" + epochs, "train.batchSizePerWorker=32",
                "output.dir=target/bench/scale"));
        all.addAll(Arrays.asList(overrides));
        return JobConfigLoader.load(Optional.of(Path.of(conf)), all);
    }

    private static Map<String, Object> speed(String conf, int epochs) throws Exception {
        JobConfig base = job(conf, epochs, "train.workers=2");
        SparkSession spark = SparkSessions.create(base);
        PreparedData data = DataPreparation.forTraining(spark, base);
        NetworkSpec spec = Architectures.build(base.train(), data.shape(), data.labels().size(), base.seed());
        List<TrainVariants.Variant> variants = new ArrayList<>(List.of(TrainVariants.singleJvm(base, data, spec, 1),
                TrainVariants.singleJvm(base, data, spec, 2)));
        Map<String, Integer> chosenK = new LinkedHashMap<>();
        Map<String, Double> setup = new LinkedHashMap<>();
        for (String k : List.of("20", "0")) {
            JobConfig job = job(conf, epochs, "train.workers=2", "train.averagingFrequency=" + k);
            long start = System.nanoTime();
            DistributedTrainer.Run run = new DistributedTrainer(spark, job, FaultInjector.NONE).start(data.train(),
                    data.heldOut(), data.labels(), data.shape(), data.normalisation());
            String name = k.equals("0") ? "(b) spark-cnn, K chosen (default), local[2]" : "(b) spark-cnn, K = 20, local[2]";
            setup.put(name, (System.nanoTime() - start) / 1e9);
            chosenK.put(name, run.averagingFrequency());
            variants.add(TrainVariants.ours(spark, run, data, name));
        }
        long images = data.summary().imageCount(io.sparkcnn.data.Split.TRAIN);
        Map<String, double[]> seconds = new LinkedHashMap<>();
        Map<String, double[]> accuracy = new LinkedHashMap<>();
        DistributedTrainer evaluator = new DistributedTrainer(spark, base, FaultInjector.NONE);
        for (TrainVariants.Variant v : variants) {
            seconds.put(v.name(), new double[epochs]);
            accuracy.put(v.name(), new double[epochs]);
        }
        for (int e = 0; e < epochs; e++) {
            for (TrainVariants.Variant v : variants) {
                seconds.get(v.name())[e] = v.epoch(e);
                accuracy.get(v.name())[e] = evaluator.evaluate(data.heldOut(), spec, v.params(), data.shape(),
                        data.labels(), data.normalisation()).accuracy();
                System.out.printf(Locale.ROOT, "epoch %d %-46s %6.1f s %7.0f images/s  held-out accuracy %.4f%n",
                        e + 1, v.name(), seconds.get(v.name())[e], images / seconds.get(v.name())[e],
                        accuracy.get(v.name())[e]);
            }
        }
        spark.stop();
        // Epoch 1 carries the JIT's warm-up for everyone; the figures are of epochs 2 on (all of them with one).
        int from = epochs > 1 ? 1 : 0;
        String single = variants.get(0).name();
        String ceiling = variants.get(1).name();
        double singleRate = rate(seconds.get(single), images, from);
        double ceilingRate = rate(seconds.get(ceiling), images, from);
        System.out.printf(Locale.ROOT, "%nseed CNN, %d training images, minibatch 32 per worker, epochs %d-%d%n", images,
                from + 1, epochs);
        System.out.println("| variant | K | images/s | vs (a) | vs (a') | held-out accuracy after " + epochs
                + " epochs |");
        System.out.println("|---|---|---|---|---|---|");
        Map<String, Object> rows = new LinkedHashMap<>();
        for (TrainVariants.Variant v : variants) {
            double r = rate(seconds.get(v.name()), images, from);
            double[] a = accuracy.get(v.name());
            Integer k = chosenK.get(v.name());
            System.out.printf(Locale.ROOT, "| %s | %s | %,.0f | %.2fx | %.0f%% | %.4f |%n", v.name(),
                    k == null ? "" : String.valueOf(k), r, r / singleRate, 100 * r / ceilingRate, a[a.length - 1]);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("imagesPerSecond", r);
            row.put("vsSingleJvm", r / singleRate);
            row.put("vsTwoFreeFits", r / ceilingRate);
            row.put("averagingFrequency", k);
            row.put("setupSeconds", setup.get(v.name()));
            row.put("trainSecondsPerEpoch", seconds.get(v.name()));
            row.put("heldOutAccuracyPerEpoch", a);
            rows.put(v.name(), row);
        }
        return rows;
    }

    private static double rate(double[] seconds, long images, int from) {
        double total = 0;
        for (int e = from; e < seconds.length; e++) {
            total += seconds[e];
        }
        return images * (seconds.length - from) / total;
    }

    private static Map<String, Object> accuracy(String conf, int epochs, String architecture) throws Exception {
        Map<String, Object> rows = new LinkedHashMap<>();
        SparkSession spark = null;
        for (int workers : new int[] {2, 8}) {
            JobConfig base = job(conf, epochs, "model.architecture=" + architecture, "train.workers=" + workers);
            if (spark == null) {
                spark = SparkSessions.create(base);
            }
            PreparedData data = DataPreparation.forTraining(spark, base);
            Map<String, DistributedTrainer.Run> runs = new LinkedHashMap<>();
            Map<String, String[]> settings = new LinkedHashMap<>();
            settings.put("K = 20", new String[] {"train.averagingFrequency=20"});
            settings.put("K = 100", new String[] {"train.averagingFrequency=100"});
            settings.put("K = 100, outer Nesterov (rate 1, momentum 0.8)", new String[] {
                    "train.averagingFrequency=100", "train.outerLearningRate=1.0", "train.outerMomentum=0.8"});
            Map<String, double[]> acc = new LinkedHashMap<>();
            Map<String, double[]> secs = new LinkedHashMap<>();
            for (Map.Entry<String, String[]> s : settings.entrySet()) {
                List<String> o = new ArrayList<>(List.of("model.architecture=" + architecture,
                        "train.workers=" + workers));
                o.addAll(Arrays.asList(s.getValue()));
                JobConfig job = job(conf, epochs, o.toArray(String[]::new));
                runs.put(s.getKey(), new DistributedTrainer(spark, job, FaultInjector.NONE).start(data.train(),
                        data.heldOut(), data.labels(), data.shape(), data.normalisation()));
                acc.put(s.getKey(), new double[epochs]);
                secs.put(s.getKey(), new double[epochs]);
            }
            for (int e = 0; e < epochs; e++) {
                for (Map.Entry<String, DistributedTrainer.Run> r : runs.entrySet()) {
                    double before = r.getValue().trainingSeconds();
                    Metrics m = r.getValue().epoch();
                    acc.get(r.getKey())[e] = m.accuracy();
                    secs.get(r.getKey())[e] = r.getValue().trainingSeconds() - before;
                    System.out.printf(Locale.ROOT, "%s, %d workers, %-48s epoch %d: accuracy %.4f (%.0f s)%n",
                            architecture, workers, r.getKey(), e + 1, m.accuracy(), secs.get(r.getKey())[e]);
                }
            }
            for (Map.Entry<String, DistributedTrainer.Run> r : runs.entrySet()) {
                r.getValue().finish();
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("workers", workers);
                row.put("averagingFrequency", r.getValue().averagingFrequency());
                row.put("roundsPerEpoch", r.getValue().roundsPerEpoch());
                row.put("heldOutAccuracyPerEpoch", acc.get(r.getKey()));
                row.put("trainSecondsPerEpoch", secs.get(r.getKey()));
                rows.put(workers + " workers, " + r.getKey(), row);
            }
            data.release();
        }
        System.out.printf(Locale.ROOT, "%n%s on Fashion-MNIST, minibatch 32 per worker, %d epochs%n", architecture,
                epochs);
        System.out.println("| workers | averaging | rounds per epoch | held-out accuracy per epoch |");
        System.out.println("|---|---|---|---|");
        rows.forEach((name, row) -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> r = (Map<String, Object>) row;
            StringBuilder a = new StringBuilder();
            for (double x : (double[]) r.get("heldOutAccuracyPerEpoch")) {
                a.append(a.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.4f", x));
            }
            System.out.printf(Locale.ROOT, "| %d | %s | %d | %s |%n", (Integer) r.get("workers"),
                    name.substring(name.indexOf(", ") + 2), (Integer) r.get("roundsPerEpoch"), a);
        });
        if (spark != null) {
            spark.stop();
        }
        return rows;
    }
}
