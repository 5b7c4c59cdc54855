package io.sparkcnn.spark.job;

import io.sparkcnn.config.BuildInfo;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.data.LakeSummary;
import io.sparkcnn.data.Split;
import io.sparkcnn.eval.RoundLoss;
import io.sparkcnn.model.Provenance;
import io.sparkcnn.spark.lake.PreparedData;
import io.sparkcnn.spark.training.Checkpoints;
import io.sparkcnn.spark.training.TrainingResult;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.factory.Nd4j;
import scala.Tuple2;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The one place a model's {@link Provenance} is made, for every job that writes a model. */
public final class Provenances {
    private Provenances() {
    }

    /** A model trained on a lake ({@code train} and {@code retrain}), with its data snapshot (the file list). */
    static Provenance ofLake(SparkSession spark, JobConfig job, PreparedData data, TrainingResult trained,
                             String snapshot) {
        LakeSummary s = data.summary();
        Provenance.DataSource source = new Provenance.DataSource(job.data().train(), job.data().heldOut().isBlank()
                ? "hashed " + job.data().heldOutFraction() + " of train" : job.data().heldOut(),
                (long) s.imageCount(Split.TRAIN), (long) s.imageCount(Split.HELD_OUT), (long) s.badCount(),
                TrainJob.SNAPSHOT, Checkpoints.sha256(snapshot.getBytes(StandardCharsets.UTF_8)));
        return of(job, null, source, sparkConf(spark), trained);
    }

    /** A model fitted by the Spark ML estimator on a DataFrame. */
    public static Provenance ofDataFrame(SparkSession spark, JobConfig job, String source, LakeSummary summary,
                                         TrainingResult trained) {
        Provenance.DataSource data = new Provenance.DataSource(null, null, (long) summary.imageCount(Split.TRAIN),
                (long) summary.imageCount(Split.HELD_OUT), (long) summary.badCount(), null, null);
        return of(job, source, data, sparkConf(spark), trained);
    }

    private static Provenance of(JobConfig job, String source, Provenance.DataSource data, Map<String, String> spark,
                                 TrainingResult trained) {
        Provenance.Backend backend = new Provenance.Backend(Nd4j.getBackend().getClass().getSimpleName(),
                trained.workers().stream().map(w -> w.backend() + "/" + w.device()).distinct().sorted().toList());
        Provenance.Training training = new Provenance.Training(trained.seconds(), trained.imagesSeen(),
                trained.seconds() > 0 ? trained.imagesSeen() / trained.seconds() : 0, trained.modelEpoch(),
                trained.ended(), trained.averagingFrequency());
        // Training loss per averaging round (of this process: after a resume, the rounds since).
        var rounds = trained.rounds().stream().map((RoundLoss r) -> new Provenance.Round(r.round(), r.epoch(),
                r.loss())).toList();
        return new Provenance(Provenance.FORMAT, Instant.now().toString(), BuildInfo.version(), BuildInfo.commit(),
                job.seed(), job.train().architectureName(), job.train().strategy().configName(),
                JobConfigLoader.values(job), source, data, spark, backend, trained.workers(), training,
                Provenance.epochsOf(trained.epochs()), rounds, null);
    }

    /** The session's Spark settings, without anything that looks like a secret. */
    private static Map<String, String> sparkConf(SparkSession spark) {
        Map<String, String> conf = new TreeMap<>();
        for (Tuple2<String, String> kv : spark.sparkContext().getConf().getAll()) {
            String key = kv._1().toLowerCase(Locale.ROOT);
            if (!key.contains("secret") && !key.contains("password") && !key.contains("token")
                    && !key.contains("access.key")) {
                conf.put(kv._1(), kv._2());
            }
        }
        return conf;
    }
}
