package io.sparkcnn.spark;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.data.Split;
import io.sparkcnn.eval.Metrics;
import io.sparkcnn.model.ModelStore;
import io.sparkcnn.model.SavedModel;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.factory.Nd4j;
import scala.Tuple2;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The train job: prepare the data, train by parameter averaging, evaluate after every epoch, and write the
 * model with its provenance to {@code output.dir/model} (atomically; an existing model only with overwrite).
 */
public final class TrainJob {
    public static final String MODEL_DIR = "model";
    public static final String SNAPSHOT = "snapshot.tsv";

    /** The trained model, where it was written, and the metrics of the last epoch. */
    public record Result(SavedModel model, String location, Metrics finalMetrics, DistributedTrainer.Result training) {
    }

    private TrainJob() {
    }

    public static Result run(SparkSession spark, JobConfig job, boolean overwrite, FaultInjector faults)
            throws IOException {
        String location = job.outputDir() + "/" + MODEL_DIR;
        if (!overwrite) {
            // Fail before hours of training, not after; ModelStore.write checks again when it writes.
            ModelStore.requireAbsent(location, spark.sparkContext().hadoopConfiguration());
        }
        PreparedData data = DataPreparation.forTraining(spark, job);
        try {
            DistributedTrainer.Result trained = job.train().stockStrategy()
                    ? StockTrainer.train(spark, job, data)
                    : new DistributedTrainer(spark, job, faults)
                    .train(data.train(), data.heldOut(), data.labels(), data.shape(), data.normalisation());
            Metrics last = trained.epochs().get(trained.epochs().size() - 1);
            Map<String, byte[]> extra = new LinkedHashMap<>();
            String snapshot = snapshot(data);
            extra.put(SNAPSHOT, snapshot.getBytes(StandardCharsets.UTF_8));
            SavedModel model = new SavedModel(trained.network(), data.labels(), data.shape(), data.normalisation(),
                    provenance(spark, job, data, trained, snapshot));
            String written = ModelStore.write(model, extra, location, overwrite, spark.sparkContext().hadoopConfiguration());
            return new Result(model, written, last, trained);
        } finally {
            data.release();
        }
    }

    /** Every usable input file with its split, size and modification time, sorted: the data snapshot. */
    private static String snapshot(PreparedData data) {
        List<String> lines = data.listing().files().filter(f -> f.problem() == null)
                .map(f -> f.split() + "\t" + f.uri() + "\t" + f.length() + "\t" + f.modificationTime())
                .collect();
        List<String> sorted = new ArrayList<>(lines);
        sorted.sort(null);
        return "split\tpath\tlength\tmodificationTime\n" + String.join("\n", sorted) + "\n";
    }

    private static Map<String, Object> provenance(SparkSession spark, JobConfig job, PreparedData data,
                                                  DistributedTrainer.Result trained, String snapshot) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("createdAt", Instant.now().toString());
        p.put("codeVersion", io.sparkcnn.config.BuildInfo.version());
        p.put("seed", job.seed());
        p.put("architecture", job.train().architecture().configName());
        p.put("strategy", job.train().strategy());
        p.put("config", JobConfigLoader.render(job));
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("train", job.data().train());
        d.put("heldOut", job.data().heldOut().isBlank() ? "hashed " + job.data().heldOutFraction() + " of train"
                : job.data().heldOut());
        d.put("trainImages", data.summary().imageCount(Split.TRAIN));
        d.put("heldOutImages", data.summary().imageCount(Split.HELD_OUT));
        d.put("badFiles", data.summary().badCount());
        d.put("snapshotFile", SNAPSHOT);
        d.put("snapshotSha256", sha256(snapshot));
        p.put("data", d);
        Map<String, String> sparkConf = new TreeMap<>();
        for (Tuple2<String, String> kv : spark.sparkContext().getConf().getAll()) {
            if (!kv._1().toLowerCase().contains("secret") && !kv._1().toLowerCase().contains("password")) {
                sparkConf.put(kv._1(), kv._2());
            }
        }
        p.put("spark", sparkConf);
        p.put("backend", Map.of("driver", Nd4j.getBackend().getClass().getSimpleName(),
                "workers", trained.workers().stream().map(w -> w.get("backend") + "/" + w.get("device"))
                        .distinct().sorted().toList()));
        p.put("workers", trained.workers());
        p.put("training", Map.of("seconds", trained.seconds(), "imagesSeen", trained.imagesSeen(),
                "imagesPerSecond", trained.imagesSeen() / trained.seconds()));
        List<Map<String, Object>> epochs = new ArrayList<>();
        for (int i = 0; i < trained.epochs().size(); i++) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epoch", i + 1);
            m.putAll(trained.epochs().get(i).toMap());
            epochs.add(m);
        }
        p.put("epochs", epochs);
        return p;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
