package io.sparkcnn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.data.Augmentation;
import io.sparkcnn.data.ImageDecoder;
import io.sparkcnn.eval.Metrics;
import io.sparkcnn.spark.SparkSessions;
import io.sparkcnn.spark.lake.DataPreparation;
import io.sparkcnn.spark.lake.PreparedData;
import io.sparkcnn.spark.training.DistributedTrainer;
import io.sparkcnn.spark.training.FaultInjector;
import org.apache.spark.sql.SparkSession;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * ResNet-18 on a photo lake (scripts/lib/photo_lake.py), spark-cnn on local[2] beside PyTorch 1.13 on two threads
 * (scripts/lib/torch_photos.py: the same network, images, augmentation, minibatch and optimiser), epochs
 * interleaved: spark-cnn's epoch e, then each PyTorch setting's epoch e. spark-cnn runs with the encoded cache
 * (data.cache.storage = encoded: each round's images are decoded and augmented on a thread of their own while the
 * previous minibatch trains) and the JVM's default heap, as `scripts/spark-cnn train` would.
 *
 * <p>Measures: decode + augment images/s on one core (spark-cnn's decoder and augmentation, PIL and torchvision's);
 * training images/s per epoch; the share of each round the slowest worker spent fitting; held-out accuracy per
 * epoch; the time each takes to reach the accuracy the best PyTorch setting has after its last epoch (setup
 * included: listing, decoding and caching for spark-cnn, decoding into memory for PyTorch); cache bytes against
 * the lake's; peak RSS of this JVM (driver and executors in local mode) and of PyTorch's process.
 *
 * <p>Usage: PhotoBench LAKE SIZE EPOCHS TORCH_EPOCHS TORCH_SETTINGS OUT [key=value ...]: spark-cnn trains up to
 * EPOCHS epochs (it stops earlier once it has reached PyTorch's accuracy and run TORCH_EPOCHS epochs); each
 * PyTorch setting (comma-separated: cached, cached-channels-last; "" for none) trains TORCH_EPOCHS. Extra
 * arguments are job settings (e.g. model.stem=small). Prints a table and writes OUT (JSON).
 */
public final class PhotoBench {
    private static final int DECODE_SAMPLE = 300;

    public static void main(String[] args) throws Exception {
        io.sparkcnn.train.OpenBlasCore.prepare(); // as the command line does, before ND4J loads
        String lake = args[0];
        int size = Integer.parseInt(args[1]);
        int epochs = Integer.parseInt(args[2]);
        int torchEpochs = Integer.parseInt(args[3]);
        List<String> settings = args[4].isBlank() ? List.of() : List.of(args[4].split(","));
        Path out = Path.of(args[5]);
        List<String> sets = new ArrayList<>(List.of("data.train=" + lake + "/train", "data.heldOut=" + lake + "/test",
                "data.image.height=" + size, "data.image.width=" + size, "data.image.channels=3",
                "data.image.resize=centre-crop", "data.image.normalisation=standardise", "data.cache.storage=encoded",
                "model.architecture=resnet18", "model.stem=imagenet", "train.workers=2", "train.batchSizePerWorker=32",
                "train.learningRate=0.001", "train.epochs=" + epochs, "data.augment.flip=true",
                "data.augment.cropScale=0.5", "output.dir=target/bench/photos"));
        sets.addAll(List.of(args).subList(6, args.length));
        JobConfig job = JobConfigLoader.load(Optional.empty(), sets);
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("cpu", io.sparkcnn.config.BuildInfo.cpu());
        report.put("lake", lake);
        report.put("size", size);
        report.put("settings", sets);

        List<Torch> torches = new ArrayList<>();
        for (String setting : settings) {
            torches.add(new Torch(lake, size, job, setting));
        }
        double javaDecode = decodeRate(job, Path.of(lake, "train"));
        double pilDecode = torches.isEmpty() ? Double.NaN
                : ((Number) torches.get(0).command("decode " + DECODE_SAMPLE).get("imagesPerSecond")).doubleValue();
        System.out.printf(Locale.ROOT, "decode + augment on one core (%dx%d, first %d training files): spark-cnn %.0f "
                + "images/s, PIL + torchvision %.0f images/s%n", size, size, DECODE_SAMPLE, javaDecode, pilDecode);
        report.put("decodeAugmentImagesPerSecondPerCore", Map.of("spark-cnn", javaDecode, "pil-torchvision", pilDecode));

        long setupStart = System.nanoTime();
        SparkSession spark = SparkSessions.create(job);
        PreparedData data = DataPreparation.forTraining(spark, job);
        DistributedTrainer trainer = new DistributedTrainer(spark, job, FaultInjector.NONE);
        DistributedTrainer.Run run = trainer.start(data.train(), data.heldOut(), data.labels(), data.shape(),
                data.normalisation());
        double setup = (System.nanoTime() - setupStart) / 1e9;
        long images = data.summary().imageCount(io.sparkcnn.data.Split.TRAIN);
        System.out.printf(Locale.ROOT, "spark-cnn setup (listing, decoding once, caching): %.1f s, %d training images%n",
                setup, images);

        List<Double> seconds = new ArrayList<>();
        List<Double> accuracy = new ArrayList<>();
        List<Double> fitShare = new ArrayList<>();
        double target = Double.NaN;
        for (int e = 0; e < epochs; e++) {
            Metrics m = run.epoch();
            DistributedTrainer.EpochTime t = run.lastEpochTime();
            seconds.add(t.seconds());
            accuracy.add(m.accuracy());
            fitShare.add(t.fitShare());
            System.out.printf(Locale.ROOT, "epoch %d %-36s %7.1f s %6.1f images/s  fitting %.0f%%  held-out %.4f%n",
                    e + 1, "spark-cnn local[2]", t.seconds(), images / t.seconds(), 100 * t.fitShare(), m.accuracy());
            if (e < torchEpochs) {
                for (Torch torch : torches) {
                    torch.epoch();
                    System.out.printf(Locale.ROOT, "epoch %d %-36s %7.1f s %6.1f images/s  held-out %.4f%n", e + 1,
                            torch.name(), torch.seconds.get(e), torch.images / torch.seconds.get(e),
                            torch.accuracy.get(e));
                }
            }
            if (e + 1 == torchEpochs) {
                target = torches.stream().mapToDouble(x -> x.accuracy.get(torchEpochs - 1)).max().orElse(Double.NaN);
            }
            if (e + 1 >= torchEpochs && m.accuracy() >= target) {
                break;
            }
        }
        long lakeBytes = Footprint.bytesUnder(Path.of(lake, "train"))
                + Footprint.bytesUnder(Path.of(lake, "test"));
        long cacheBytes = Footprint.cachedBytes(spark, data.train().id()) + Footprint.cachedBytes(spark, data.heldOut().id());
        long decodedBytes = 4L * (images + data.summary().imageCount(io.sparkcnn.data.Split.HELD_OUT))
                * data.shape().size();
        run.finish();
        spark.stop();

        Map<String, Object> variants = new LinkedHashMap<>();
        variants.put("spark-cnn local[2]", variant(images, setup, seconds, accuracy, target, Footprint.peakRss(),
                fitShare));
        for (Torch torch : torches) {
            variants.put(torch.name(), variant(torch.images, torch.setup, torch.seconds, torch.accuracy, target,
                    ((Number) torch.command("rss").get("peakRssBytes")).longValue(), null));
            torch.close();
        }
        report.put("variants", variants);
        report.put("targetAccuracy", target);
        report.put("lakeBytes", lakeBytes);
        report.put("cacheBytes", cacheBytes);
        report.put("cacheOverLake", cacheBytes / (double) lakeBytes);
        report.put("decodedCacheBytesWouldBe", decodedBytes);
        print(variants, target, torchEpochs);
        System.out.printf(Locale.ROOT, "lake %.1f MB; spark-cnn's encoded cache %.1f MB (%.2fx the lake; decoded floats "
                + "would be %.1f MB)%n", lakeBytes / 1e6, cacheBytes / 1e6, cacheBytes / (double) lakeBytes, decodedBytes / 1e6);
        Files.createDirectories(out.toAbsolutePath().getParent());
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), report);
        System.out.println("wrote " + out);
    }

    private static Map<String, Object> variant(long images, double setup, List<Double> seconds, List<Double> accuracy,
                                               double target, long rss, List<Double> fitShare) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("setupSeconds", setup);
        v.put("trainSecondsPerEpoch", seconds);
        v.put("imagesPerSecondPerEpoch", seconds.stream().map(s -> images / s).toList());
        v.put("heldOutAccuracyPerEpoch", accuracy);
        double cumulative = setup;
        double until = -1;
        for (int e = 0; e < seconds.size(); e++) {
            cumulative += seconds.get(e);
            if (until < 0 && accuracy.get(e) >= target) {
                until = cumulative;
            }
        }
        v.put("secondsToTargetAccuracy", until);
        v.put("peakRssBytes", rss);
        if (fitShare != null) {
            v.put("fitSharePerEpoch", fitShare);
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    private static void print(Map<String, Object> variants, double target, int torchEpochs) {
        System.out.printf(Locale.ROOT, "%n%-36s %8s %9s %9s %12s %9s %9s%n", "variant", "setup s", "images/s", "ratio",
                "to " + String.format(Locale.ROOT, "%.4f", target), "last acc", "peak RSS");
        double base = Double.NaN;
        for (Map.Entry<String, Object> e : variants.entrySet()) {
            Map<String, Object> v = (Map<String, Object>) e.getValue();
            List<Double> rates = (List<Double>) v.get("imagesPerSecondPerEpoch");
            // Training speed over the first TORCH_EPOCHS epochs, the ones every variant ran.
            List<Double> shared = rates.subList(0, Math.min(torchEpochs, rates.size()));
            double rate = Medians.of(shared);
            if (Double.isNaN(base)) {
                base = rate;
            }
            List<Double> acc = (List<Double>) v.get("heldOutAccuracyPerEpoch");
            double until = (Double) v.get("secondsToTargetAccuracy");
            System.out.printf(Locale.ROOT, "%-36s %8.1f %9.1f %8.2fx %12s %9.4f %7.0f MB%n", e.getKey(),
                    (Double) v.get("setupSeconds"), rate, rate / base,
                    until < 0 ? "not reached" : String.format(Locale.ROOT, "%.0f s", until), acc.get(acc.size() - 1),
                    ((Number) v.get("peakRssBytes")).longValue() / 1e6);
        }
        System.out.println("images/s: median over the epochs every variant ran; ratio: over spark-cnn's. to X: wall "
                + "seconds (setup + training, evaluation excluded) until held-out accuracy >= X, the best PyTorch "
                + "setting's after epoch " + torchEpochs + ".");
    }

    /** One thread decoding the first {@link #DECODE_SAMPLE} training files and augmenting them as training does. */
    private static double decodeRate(JobConfig job, Path train) throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(train)) {
            files = walk.filter(Files::isRegularFile).sorted().limit(DECODE_SAMPLE).toList();
        }
        List<byte[]> bytes = new ArrayList<>();
        for (Path f : files) {
            bytes.add(Files.readAllBytes(f));
        }
        ImageDecoder decoder = new ImageDecoder(job.data().image());
        Augmentation augmentation = new Augmentation(job.data().augment(), job.seed());
        int h = job.data().image().height();
        int w = job.data().image().width();
        int c = job.data().image().channels();
        double best = 0;
        for (int pass = 0; pass < 3; pass++) { // the first pass warms the JIT up; the best of the others counts
            long start = System.nanoTime();
            for (int i = 0; i < files.size(); i++) {
                try {
                    float[] chw = decoder.decode(bytes.get(i), files.get(i).toString()).pixels();
                    augmentation.apply(chw, c, h, w, pass, i);
                } catch (io.sparkcnn.data.BadImageException e) {
                    throw new IllegalStateException(files.get(i) + ": " + e.getMessage(), e);
                }
            }
            best = pass == 0 ? 0 : Math.max(best, files.size() / ((System.nanoTime() - start) / 1e9));
        }
        return best;
    }

    /** A scripts/lib/torch_photos.py process for one setting, taking one command at a time. */
    private static final class Torch implements AutoCloseable {
        final String setting;
        final Process process;
        final PrintWriter commands;
        final BufferedReader results;
        final List<Double> seconds = new ArrayList<>();
        final List<Double> accuracy = new ArrayList<>();
        final double setup;
        long images;

        Torch(String lake, int size, JobConfig job, String setting) throws IOException {
            this.setting = setting;
            ProcessBuilder builder = new ProcessBuilder("/usr/bin/python3", "scripts/lib/torch_photos.py", lake,
                    Integer.toString(size), job.train().stem().configName().equals("small") ? "small" : "imagenet",
                    Integer.toString(2 * job.train().batchSizePerWorker()),
                    Double.toString(job.train().optimiser().learningRate()),
                    Double.toString(job.data().augment().cropScale()), "2", setting)
                    .redirectError(ProcessBuilder.Redirect.INHERIT);
            builder.environment().putAll(Map.of("OMP_NUM_THREADS", "2", "OPENBLAS_NUM_THREADS", "1",
                    "MALLOC_MMAP_THRESHOLD_", "33554432", "MALLOC_TRIM_THRESHOLD_", "17179869184"));
            long start = System.nanoTime();
            process = builder.start();
            commands = new PrintWriter(process.getOutputStream(), true);
            results = new BufferedReader(new InputStreamReader(process.getInputStream()));
            command("rss"); // answered once its images are decoded
            setup = (System.nanoTime() - start) / 1e9;
        }

        String name() {
            return "PyTorch 1.13 " + setting + ", 2 threads";
        }

        void epoch() {
            Map<?, ?> r = command("epoch");
            seconds.add(((Number) r.get("seconds")).doubleValue());
            accuracy.add(((Number) r.get("accuracy")).doubleValue());
            images = ((Number) r.get("images")).longValue();
        }

        Map<?, ?> command(String command) {
            commands.println(command);
            try {
                String line = results.readLine();
                if (line == null) {
                    throw new IllegalStateException("scripts/lib/torch_photos.py (" + setting + ") ended at '" + command
                            + "' (exit " + process.waitFor() + "; its errors are above)");
                }
                return new ObjectMapper().readValue(line, Map.class);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("scripts/lib/torch_photos.py: " + e.getMessage(), e);
            }
        }

        public void close() throws InterruptedException {
            commands.close();
            process.waitFor();
        }
    }
}
