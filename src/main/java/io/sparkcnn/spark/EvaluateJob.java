package io.sparkcnn.spark;

import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.eval.Metrics;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.ModelStore;
import io.sparkcnn.model.SavedModel;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;

/**
 * The evaluate job: score a saved model on the held-out split of any lake (an explicit data.heldOut, or the
 * hashed held-out fraction of data.train), with the model's own label index and normalisation. On the data
 * it was trained on it reproduces the training's last-epoch metrics exactly.
 */
public final class EvaluateJob {
    private EvaluateJob() {
    }

    public static Metrics run(SparkSession spark, JobConfig job, String modelDir) throws IOException {
        SavedModel model = ModelStore.read(modelDir, spark.sparkContext().hadoopConfiguration());
        InputShape configured = new InputShape(job.data().image().channels(), job.data().image().height(),
                job.data().image().width());
        if (!configured.equals(model.shape())) {
            throw new ConfigException("data.image", "the model takes " + describe(model.shape()) + " inputs, the "
                    + "config decodes to " + describe(configured) + "; set data.image.{channels,height,width} to match");
        }
        PreparedData data = DataPreparation.forModel(spark, job, model.labels(), model.normalisation());
        DistributedTrainer scorer = new DistributedTrainer(spark, job, FaultInjector.NONE);
        try {
            return scorer.evaluate(data.heldOut(), model.network().spec(), model.network().params().data().asFloat(),
                    model.shape(), model.labels(), model.normalisation());
        } finally {
            scorer.release(data.heldOut());
            data.release();
        }
    }

    private static String describe(InputShape s) {
        return s.channels() + "x" + s.height() + "x" + s.width();
    }
}
