package io.sparkcnn.spark.job;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.data.FileSystems;
import io.sparkcnn.eval.Metrics;
import io.sparkcnn.model.ModelStore;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.spark.lake.DataPreparation;
import io.sparkcnn.spark.lake.PreparedData;
import io.sparkcnn.spark.training.DistributedTrainer;
import io.sparkcnn.spark.training.FaultInjector;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The evaluate job: score a saved model on the held-out split of any lake (an explicit data.heldOut, or the
 * hashed held-out fraction of data.train), with the model's own label index and normalisation. On the data
 * it was trained on it reproduces the training's last-epoch metrics exactly.
 */
public final class EvaluateJob {
    /** Where evaluate writes its report, under output.dir. */
    public static final String REPORT_DIR = "evaluation";
    public static final String REPORT = REPORT_DIR + "/" + io.sparkcnn.eval.HtmlReport.FILE;
    private EvaluateJob() {
    }

    public static Metrics run(SparkSession spark, JobConfig job, String modelDir) throws IOException {
        SavedModel model = ModelStore.read(modelDir, spark.sparkContext().hadoopConfiguration());
        model.requireInputs(job.data().image(), "the model");
        PreparedData data = DataPreparation.forModel(spark, job, model.labels(), model.normalisation());
        DistributedTrainer scorer = new DistributedTrainer(spark, job, FaultInjector.NONE);
        try {
            DistributedTrainer.Evaluated e = scorer.evaluateInDetail(data.heldOut(), model.network().spec(),
                    model.network().params().data().asFloat(), model.shape(), model.labels(), model.normalisation());
            Map<String, Object> provenance = new LinkedHashMap<>();
            provenance.put("model", modelDir);
            provenance.put("evaluatedAt", java.time.Instant.now().toString());
            provenance.put("heldOut", job.data().heldOut().isBlank() ? "hashed " + job.data().heldOutFraction() + " of "
                    + job.data().train() : job.data().heldOut());
            provenance.put("modelProvenance", model.provenance().toJson());
            FileSystems.replace(job.outputDir() + "/" + REPORT_DIR, io.sparkcnn.eval.HtmlReport.FILE,
                    TrainJob.report("spark-cnn evaluate: " + modelDir, "evaluate", job, null,
                    e.metrics(), TrainJob.explained(e.misses(), model), provenance, Map.of()),
                    spark.sparkContext().hadoopConfiguration());
            return e.metrics();
        } finally {
            scorer.release(data.heldOut());
            data.release();
        }
    }

}
