package io.sparkcnn.bench;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.eval.Metrics;
import io.sparkcnn.model.Architectures;
import io.sparkcnn.model.Network;
import io.sparkcnn.model.NetworkSpec;
import io.sparkcnn.spark.DataPreparation;
import io.sparkcnn.spark.DecodedPartition;
import io.sparkcnn.spark.DistributedTrainer;
import io.sparkcnn.spark.FaultInjector;
import io.sparkcnn.spark.PreparedData;
import io.sparkcnn.spark.SparkSessions;
import io.sparkcnn.spark.StockTrainer;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.train.EpochPlan;
import io.sparkcnn.train.Minibatches;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Trains the seed CNN on the Fashion-MNIST lake with several trainers, epochs interleaved (a1 b1 c1 a2 b2 ...),
 * on the same decoded data: (a) a plain single-JVM fit on one thread, (b) spark-cnn's trainer on local[2] at
 * averaging frequency 5 and (b') at 20 (the default), (c) dl4j-spark's stock ParameterAveragingTrainingMaster on
 * local[2] (Export, averaging frequency 20).
 * Minibatch 32 per worker, Adam 1e-3. Prints a table and writes target/bench/bench-train.json.
 * Usage: TrainBench CONF EPOCHS
 */
public final class TrainBench {
    interface Variant {
        String name();

        /** Trains one epoch; returns its training seconds. */
        double epoch(int epoch);

        float[] params();
    }

    public static void main(String[] args) throws Exception {
        String confFile = args[0];
        int epochs = Integer.parseInt(args[1]);
        JobConfig job = JobConfigLoader.load(Optional.of(Path.of(confFile)),
                List.of("train.epochs=" + epochs, "train.workers=2", "train.batchSizePerWorker=32",
                        "train.averagingFrequency=5",
                        "train.updater=adam", "train.learningRate=0.001", "output.dir=target/bench/train"));
        long setupStart = System.nanoTime();
        SparkSession spark = SparkSessions.create(job);
        PreparedData data = DataPreparation.forTraining(spark, job);
        double setupSeconds = (System.nanoTime() - setupStart) / 1e9;
        DistributedTrainer trainer = new DistributedTrainer(spark, job, FaultInjector.NONE);
        NetworkSpec spec = Architectures.build(job.train(), data.shape(), data.labels().size(), job.seed());
        Path exportDir = Files.createTempDirectory("dl4j-export");

        JobConfig k20 = new JobConfig(job.seed(), job.data(), job.train().withSchedule(epochs, 2, 20), job.outputDir(),
                job.spark());
        List<Variant> variants = List.of(singleJvm(job, data, spec),
                ours("(b) spark-cnn K=5, local[2]", trainer, data),
                ours("(b') spark-cnn K=20, local[2]", new DistributedTrainer(spark, k20, FaultInjector.NONE), data),
                stock(spark, job, data, spec, exportDir));
        Map<String, double[]> seconds = new LinkedHashMap<>();
        Map<String, double[]> accuracy = new LinkedHashMap<>();
        for (Variant v : variants) {
            seconds.put(v.name(), new double[epochs]);
            accuracy.put(v.name(), new double[epochs]);
        }
        for (int e = 0; e < epochs; e++) {
            for (Variant v : variants) {
                seconds.get(v.name())[e] = v.epoch(e);
                Metrics m = trainer.evaluate(data.heldOut(), spec, v.params(), data.shape(), data.labels(),
                        data.normalisation());
                accuracy.get(v.name())[e] = m.accuracy();
                System.out.printf(Locale.ROOT, "epoch %d %-32s %7.1f s %7.0f images/s  held-out accuracy %.4f%n", e + 1,
                        v.name(), seconds.get(v.name())[e], 60_000 / seconds.get(v.name())[e], m.accuracy());
            }
        }
        long exportBytes = size(exportDir);
        report(variants, seconds, accuracy, setupSeconds, exportBytes, data.summary().imageCount());
        spark.stop();
    }

    private static Variant singleJvm(JobConfig job, PreparedData data, NetworkSpec spec) {
        List<DecodedPartition> parts = new ArrayList<>(data.train().collect());
        parts.sort(Comparator.comparingInt(DecodedPartition::index));
        List<float[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (DecodedPartition p : parts) {
            for (int i = 0; i < p.count(); i++) {
                images.add(p.image(i, data.normalisation()));
                labels.add(p.labels()[i]);
            }
        }
        Network net = spec.build();
        EpochPlan plan = new EpochPlan(job.seed(), 32, 1);
        return new Variant() {
            public String name() {
                return "(a) single JVM, 1 thread";
            }

            public double epoch(int epoch) {
                int[] order = plan.order(0, epoch, images.size());
                List<float[]> shuffled = new ArrayList<>(images.size());
                int[] ids = new int[images.size()];
                for (int k = 0; k < order.length; k++) {
                    shuffled.add(images.get(order[k]));
                    ids[k] = labels.get(order[k]);
                }
                List<DataSet> batches = Minibatches.of(shuffled, ids, data.shape(), data.labels().size(), 32);
                long t = System.nanoTime();
                net.setCounters(epoch, epoch * batches.size());
                for (DataSet b : batches) {
                    net.fit(b);
                }
                return (System.nanoTime() - t) / 1e9;
            }

            public float[] params() {
                return net.params().data().asFloat();
            }
        };
    }

    private static Variant ours(String name, DistributedTrainer trainer, PreparedData data) {
        DistributedTrainer.Run run = trainer.start(data.train(), data.heldOut(), data.labels(), data.shape(),
                data.normalisation());
        return new Variant() {
            public String name() {
                return name;
            }

            public double epoch(int epoch) {
                double before = run.trainingSeconds();
                run.epoch();
                return run.trainingSeconds() - before;
            }

            public float[] params() {
                return run.parameters();
            }
        };
    }

    private static Variant stock(SparkSession spark, JobConfig job, PreparedData data, NetworkSpec spec,
                                 Path exportDir) {
        JavaRDD<DataSet> minibatches = StockTrainer.minibatches(data, 32);
        // Its best configuration here: averaging frequency 20, dl4j-spark's default of not averaging the updater.
        TrainConfig t = job.train();
        TrainConfig stockConfig = new TrainConfig(t.architecture(), t.optimiser(), 32,
                "dl4j-stock", t.epochs(), 2, 1, 20, false, t.evalBatchSize());
        ParameterAveragingTrainingMaster master = StockTrainer.master(spark, stockConfig,
                new org.apache.hadoop.fs.Path(exportDir.toUri()));
        StockTrainer.Fitter fitter = StockTrainer.fitter(spark, spec, master);
        return new Variant() {
            public String name() {
                return "(c) dl4j-spark stock, local[2]";
            }

            public double epoch(int epoch) {
                long t = System.nanoTime();
                fitter.fit(minibatches, epoch);
                return (System.nanoTime() - t) / 1e9;
            }

            public float[] params() {
                return fitter.network().params().data().asFloat();
            }
        };
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void report(List<Variant> variants, Map<String, double[]> seconds, Map<String, double[]> accuracy,
                               double setupSeconds, long exportBytes, long images) throws IOException {
        System.out.printf(Locale.ROOT, "%nseed CNN on Fashion-MNIST, minibatch 32 per worker, Adam 1e-3; shared setup "
                + "(listing, decoding, caching %d images): %.1f s%n", images, setupSeconds);
        System.out.printf("%-32s %12s %14s %12s %16s%n", "variant", "images/s", "train seconds", "accuracy",
                "s to acc 0.89");
        StringBuilder json = new StringBuilder("{\n  \"setupSeconds\": " + setupSeconds + ",\n  \"variants\": {");
        String sep = "\n";
        for (Variant v : variants) {
            double[] s = seconds.get(v.name());
            double[] a = accuracy.get(v.name());
            double total = Arrays.stream(s).sum();
            double until = -1;
            double cumulative = 0;
            for (int e = 0; e < s.length; e++) {
                cumulative += s[e];
                if (until < 0 && a[e] >= 0.89) {
                    until = cumulative;
                }
            }
            double perSecond = 60_000.0 * s.length / total;
            System.out.printf(Locale.ROOT, "%-32s %12.0f %14.1f %12.4f %16s%n", v.name(), perSecond, total,
                    a[a.length - 1], until < 0 ? "not reached" : String.format(Locale.ROOT, "%.1f", until));
            json.append(sep).append("    \"").append(v.name()).append("\": {\"imagesPerSecond\": ")
                    .append(Math.round(perSecond)).append(", \"trainSecondsPerEpoch\": ").append(Arrays.toString(s))
                    .append(", \"heldOutAccuracyPerEpoch\": ").append(Arrays.toString(a))
                    .append(", \"secondsToAccuracy089\": ").append(until).append('}');
            sep = ",\n";
        }
        json.append("\n  },\n  \"stockExportBytesOnLocalDisk\": ").append(exportBytes).append("\n}\n");
        System.out.printf("stock Export approach wrote %.1f MB to local disk; spark-cnn wrote none (decoded data cached "
                + "in Spark's memory store)%n", exportBytes / 1e6);
        Path out = Path.of("target/bench/bench-train.json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, json);
        System.out.println("wrote " + out);
    }
}
