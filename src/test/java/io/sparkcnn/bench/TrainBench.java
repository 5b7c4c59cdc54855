package io.sparkcnn.bench;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.config.EarlyStoppingConfig;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.config.TrainingStrategy;
import io.sparkcnn.model.Architectures;
import io.sparkcnn.model.NetworkSpec;
import io.sparkcnn.spark.SparkSessions;
import io.sparkcnn.spark.lake.DataPreparation;
import io.sparkcnn.spark.lake.PreparedData;
import io.sparkcnn.spark.training.DistributedTrainer;
import io.sparkcnn.spark.training.FaultInjector;
import io.sparkcnn.spark.training.StockTrainer;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;

import java.io.File;
import java.io.IOException;
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
 * Trains the seed CNN on the Fashion-MNIST lake with several trainers, epochs interleaved (a1 a'1 b1 c1 a2 ...),
 * on the same decoded data, with the config's hyper-parameters (minibatch 32 per worker, Adam 1e-3 unless the
 * config says otherwise): (a) a plain single-JVM fit on one thread (faster here than one fit on two OpenMP
 * threads); (a') two such fits at once on two threads in one JVM, no Spark, no averaging: the most two workers
 * can do in one JVM on this machine; (b) spark-cnn's trainer on local[2] at averaging frequency 20; (c)
 * dl4j-spark's stock ParameterAveragingTrainingMaster on local[2] (Export, averaging frequency 20, dl4j-spark's
 * default of not averaging the updater); (d) PyTorch 1.13 on two threads, tuned and tuned channels-last (see
 * {@link #pytorch}; -Dbench.noTorch=true leaves them out). One OpenMP thread per task. Prints a table and writes
 * target/bench/bench-train.json. Usage: TrainBench CONF EPOCHS
 */
public final class TrainBench {

    public static void main(String[] args) throws Exception {
        io.sparkcnn.train.OpenBlasCore.prepare(); // as the command line does, before ND4J loads
        String confFile = args[0];
        int epochs = Integer.parseInt(args[1]);
        JobConfig job = JobConfigLoader.load(Optional.of(Path.of(confFile)),
                List.of("train.epochs=" + epochs, "train.workers=2", "train.batchSizePerWorker=32",
                        "train.averagingFrequency=20", "output.dir=target/bench/train"));
        long setupStart = System.nanoTime();
        SparkSession spark = SparkSessions.create(job);
        PreparedData data = DataPreparation.forTraining(spark, job);
        double sharedSetup = (System.nanoTime() - setupStart) / 1e9;
        DistributedTrainer trainer = new DistributedTrainer(spark, job, FaultInjector.NONE);
        NetworkSpec spec = Architectures.build(job.train(), data.shape(), data.labels().size(), job.seed());
        Path exportDir = Files.createTempDirectory("dl4j-export");

        List<TrainVariants.Variant> variants = new ArrayList<>(List.of(TrainVariants.singleJvm(job, data, spec, 1),
                TrainVariants.singleJvm(job, data, spec, 2), TrainVariants.ours(spark, trainer.start(data.train(),
                        data.heldOut(), data.labels(), data.shape(), data.normalisation()), data, "(b) spark-cnn K=20, local[2]"), stock(spark, job, data, spec, exportDir)));
        if (!Boolean.getBoolean("bench.noTorch")) {
            variants.add(pytorch("tuned"));
            variants.add(pytorch("tuned-channels-last"));
        }
        Map<String, double[]> seconds = new LinkedHashMap<>();
        Map<String, double[]> accuracy = new LinkedHashMap<>();
        for (TrainVariants.Variant v : variants) {
            seconds.put(v.name(), new double[epochs]);
            accuracy.put(v.name(), new double[epochs]);
        }
        long images = data.summary().imageCount(io.sparkcnn.data.Split.TRAIN);
        long sparkDiskBytes = 0;
        for (int e = 0; e < epochs; e++) {
            for (TrainVariants.Variant v : variants) {
                seconds.get(v.name())[e] = v.epoch(e);
                sparkDiskBytes = Math.max(sparkDiskBytes, sparkLocalDirBytes());
                double own = v.ownAccuracy();
                accuracy.get(v.name())[e] = Double.isNaN(own) ? trainer.evaluate(data.heldOut(), spec, v.params(),
                        data.shape(), data.labels(), data.normalisation()).accuracy() : own;
                double perSecond = v.imagesPerEpoch(images) / seconds.get(v.name())[e];
                System.out.printf(Locale.ROOT, "epoch %d %-44s %7.1f s %7.0f images/s  held-out accuracy %.4f%n",
                        e + 1, v.name(), seconds.get(v.name())[e], perSecond, accuracy.get(v.name())[e]);
            }
        }
        report(job, variants, seconds, accuracy, sharedSetup, Footprint.bytesUnder(exportDir), sparkDiskBytes, images);
        spark.stop();
    }



    private static TrainVariants.Variant stock(SparkSession spark, JobConfig job, PreparedData data, NetworkSpec spec,
                                 Path exportDir) {
        JavaRDD<DataSet> minibatches = StockTrainer.minibatches(data, job.train().batchSizePerWorker(),
                job.train().optimiser().labelSmoothing());
        TrainConfig t = job.train();
        TrainConfig stockConfig = new TrainConfig(t.architecture(), t.stem(), t.optimiser(), t.batchSizePerWorker(),
                TrainingStrategy.DL4J_STOCK, t.epochs(), 2, 1,
                new io.sparkcnn.config.AveragingConfig(20, 1.0, false, 1.0, 0.0), 0, t.evalBatchSize(), EarlyStoppingConfig.OFF, null);
        ParameterAveragingTrainingMaster master = StockTrainer.master(spark, stockConfig,
                new org.apache.hadoop.fs.Path(exportDir.toUri()));
        StockTrainer.Fitter fitter = StockTrainer.fitter(spark, spec, master);
        return new TrainVariants.Variant() {
            public String name() {
                return "(c) dl4j-spark stock, local[2]";
            }

            public double setupSeconds() {
                return 0; // its minibatch RDD and the export are built inside its first epoch
            }

            public double epoch(int epoch) {
                long t = System.nanoTime();
                fitter.fit(minibatches, epoch);
                return (System.nanoTime() - t) / 1e9;
            }

            public float[] params() {
                return fitter.network().params().data().asFloat();
            }

            public long memoryBytes() {
                return Footprint.cachedBytes(spark, minibatches.id());
            }
        };
    }

    /**
     * PyTorch 1.13 (Debian's python3-torch) training the same seed CNN on two threads, in a process of its own
     * that trains one epoch per command (scripts/lib/torch_train.py), so its epochs interleave with the others.
     * The reference setting: tuned = one OpenBLAS thread per op, torch's two intra-op threads, glibc's malloc
     * keeping freed memory. It trains on Fashion-MNIST's 60,000 training images and reports its accuracy on
     * the 10,000 t10k images (not the lake's held-out split: its parameters stay in its process).
     */
    private static TrainVariants.Variant pytorch(String setting) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("/usr/bin/python3", "scripts/lib/torch_train.py", "2", setting)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(Map.of("OMP_NUM_THREADS", "2", "OPENBLAS_NUM_THREADS", "1",
                "MALLOC_MMAP_THRESHOLD_", "33554432", "MALLOC_TRIM_THRESHOLD_", "17179869184"));
        Process process = builder.start();
        var commands = new java.io.PrintWriter(process.getOutputStream(), true);
        var results = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()));
        double[] last = {Double.NaN, 60_000};
        return new TrainVariants.Variant() {
            public String name() {
                return "(d) PyTorch 1.13 " + setting + ", 2 threads";
            }

            public double setupSeconds() {
                return 0;
            }

            public double epoch(int epoch) {
                commands.println("epoch");
                try {
                    String line = results.readLine();
                    if (line == null) {
                        throw new IllegalStateException("scripts/lib/torch_train.py ended before epoch " + (epoch + 1)
                                + " (exit " + process.waitFor() + "; its errors are above)");
                    }
                    Map<?, ?> r = new com.fasterxml.jackson.databind.ObjectMapper().readValue(line, Map.class);
                    last[0] = ((Number) r.get("accuracy")).doubleValue();
                    last[1] = ((Number) r.get("images")).doubleValue();
                    return ((Number) r.get("seconds")).doubleValue();
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException("scripts/lib/torch_train.py: " + e.getMessage(), e);
                }
            }

            public float[] params() {
                return null;
            }

            public boolean sharesSetup() {
                return false; // it reads the IDX files itself (a second or two, not counted)
            }

            public long memoryBytes() {
                return 4L * 70_000 * 28 * 28;
            }

            public double ownAccuracy() {
                return last[0];
            }

            public long imagesPerEpoch(long splitImages) {
                return (long) last[1];
            }
        };
    }

    /** Bytes in Spark's local directories (shuffle files, spilled or disk-only blocks). */
    private static long sparkLocalDirBytes() {
        long total = 0;
        for (File dir : SparkEnv.get().blockManager().diskBlockManager().localDirs()) {
            total += Footprint.bytesUnder(dir.toPath());
        }
        return total;
    }

    private static void report(JobConfig job, List<TrainVariants.Variant> variants, Map<String, double[]> seconds,
                               Map<String, double[]> accuracy, double sharedSetup, long exportBytes,
                               long sparkDiskBytes, long images) throws IOException {
        System.out.printf(Locale.ROOT, "%nseed CNN on Fashion-MNIST, %d training images, minibatch %d per worker, %s %s "
                        + "(schedule %s); shared setup (listing, decoding, caching): %.1f s%n", images,
                job.train().batchSizePerWorker(), job.train().optimiser().updater().configName(),
                job.train().optimiser().learningRate(), job.train().optimiser().schedule().configName(), sharedSetup);
        System.out.printf("%-44s %9s %7s %9s %10s %9s %12s %10s%n", "variant", "images/s", "ratio", "wall s",
                "accuracy", "s to .89", "memory MB", "disk MB");
        StringBuilder json = new StringBuilder("{\n  \"sharedSetupSeconds\": " + sharedSetup
                + ",\n  \"trainingImages\": " + images + ",\n  \"processPeakRssBytes\": " + Footprint.peakRss()
                + ",\n  \"variants\": {");
        double base = 0;
        String sep = "\n";
        for (TrainVariants.Variant v : variants) {
            double[] s = seconds.get(v.name());
            double[] a = accuracy.get(v.name());
            double training = Arrays.stream(s).sum();
            double setup = (v.sharesSetup() ? sharedSetup : 0) + v.setupSeconds();
            double wall = setup + training;
            double until = -1;
            double cumulative = setup;
            for (int e = 0; e < s.length; e++) {
                cumulative += s[e];
                if (until < 0 && a[e] >= 0.89) {
                    until = cumulative;
                }
            }
            long epochImages = v.imagesPerEpoch(images);
            double perSecond = epochImages * s.length / training;
            if (base == 0) {
                base = perSecond;
            }
            long disk = v.name().startsWith("(c)") ? exportBytes : v.name().startsWith("(b)") ? sparkDiskBytes : 0;
            double[] perEpoch = Arrays.stream(s).map(x -> Math.round(epochImages / x)).toArray();
            System.out.printf(Locale.ROOT, "%-44s %9.0f %6.2fx %9.1f %10.4f %9s %12.1f %10.1f%n", v.name(), perSecond,
                    perSecond / base, wall, a[a.length - 1],
                    until < 0 ? "not yet" : String.format(Locale.ROOT, "%.0f", until), v.memoryBytes() / 1e6,
                    disk / 1e6);
            json.append(sep).append("    \"").append(v.name()).append("\": {\"imagesPerSecond\": ")
                    .append(Math.round(perSecond)).append(", \"imagesPerSecondPerEpoch\": ").append(Arrays.toString(perEpoch))
                    .append(", \"trainSecondsPerEpoch\": ").append(Arrays.toString(s))
                    .append(", \"setupSeconds\": ").append(setup)
                    .append(", \"totalWallSeconds\": ").append(wall)
                    .append(", \"heldOutAccuracyPerEpoch\": ").append(Arrays.toString(a))
                    .append(", \"secondsToAccuracy089\": ").append(until)
                    .append(", \"decodedBytesInMemory\": ").append(v.memoryBytes())
                    .append(", \"bytesWrittenToLocalDisk\": ").append(disk).append('}');
            sep = ",\n";
        }
        json.append("\n  }\n}\n");
        System.out.printf(Locale.ROOT, "ratio: images/s over (a). wall: shared setup + own setup + training (evaluation "
                + "excluded; (d): training only). process peak RSS (all variants in one JVM): %.0f MB%n", Footprint.peakRss() / 1e6);
        Path out = Path.of("target/bench/bench-train.json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, json);
        System.out.println("wrote " + out);
    }
}
