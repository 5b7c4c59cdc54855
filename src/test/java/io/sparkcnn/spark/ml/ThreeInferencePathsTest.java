package io.sparkcnn.spark.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.config.ResizePolicy;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.serve.InferenceServer;
import io.sparkcnn.serve.ModelSource;
import io.sparkcnn.spark.job.PredictJob;
import io.sparkcnn.spark.job.TrainJob;
import io.sparkcnn.spark.training.FaultInjector;
import io.sparkcnn.testing.Images;
import io.sparkcnn.testing.LocalSpark;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Batch predict, the Spark ML transform and serve give the same probabilities for the same file: one decoder,
 * one normalisation, one classifier behind all three. Equal to float rounding: each groups images into
 * minibatches of its own, and a matrix product of another size may round the last bit differently.
 */
@ExtendWith(LocalSpark.class)
class ThreeInferencePathsTest {
    @TempDir
    Path tmp;

    @Test
    void predictTheSparkMlTransformAndServeAgreeOnEveryImage(SparkSession spark) throws Exception {
        Images.lake(tmp.resolve("lake"), 3, 10);
        JobConfig job = JobConfigLoader.load(Optional.empty(), List.of("data.train=" + tmp.resolve("lake"),
                "data.heldOutFraction=0.2", "output.dir=" + tmp.resolve("out"), "train.epochs=1",
                "train.batchSizePerWorker=4", "data.image.normalisation=standardise", "predict.topK=3",
                "predict.lake=" + tmp.resolve("incoming"), "serve.port=0", "serve.topK=3"));
        SavedModel model = TrainJob.run(spark, job, false, FaultInjector.NONE).model();
        for (int i = 0; i < 7; i++) {
            Images.writePng(tmp.resolve("incoming/x/" + i + ".png"), 13 * i + 1);
        }

        PredictJob.run(spark, job, model, "m", "m", false);
        Map<String, double[]> predicted = new HashMap<>();
        for (Row r : spark.read().parquet(tmp.resolve("out/predictions/" + PredictJob.PARQUET).toString())
                .collectAsList()) {
            predicted.put(name(r.getString(0)), ((Vector) r.getAs("probability")).toArray());
        }

        Map<String, double[]> transformed = new HashMap<>();
        CnnClassifierModel ml = new CnnClassifierModel("cnn-test", model).setImageCol("content").setPathCol("path");
        for (Row r : ml.transform(spark.read().format("binaryFile").load(tmp.resolve("incoming") + "/x/*.png"))
                .collectAsList()) {
            transformed.put(name(r.getAs("path")), ((Vector) r.getAs("probability")).toArray());
        }

        Map<String, double[]> served = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        HttpClient http = HttpClient.newHttpClient();
        try (InferenceServer server = InferenceServer.start(job.serve(), ModelSource.folder(
                tmp.resolve("out/model").toString(), "m", ResizePolicy.ERROR, 50_000_000L,
                new org.apache.hadoop.conf.Configuration()), Map.of())) {
            for (int i = 0; i < 7; i++) {
                byte[] png = Files.readAllBytes(tmp.resolve("incoming/x/" + i + ".png"));
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + server.port() + "/v2/models/m/classify")).header("Content-Type", "image/png")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                double[] p = new double[3];
                for (JsonNode top : json.readTree(r.body()).get("predictions")) {
                    p[model.labels().id(top.get("label").asText())] = top.get("probability").asDouble();
                }
                served.put(i + ".png", p);
            }
        }

        assertEquals(7, predicted.size());
        for (String file : predicted.keySet()) {
            assertArrayEquals(predicted.get(file), transformed.get(file), 1e-6, "predict and transform: " + file);
            assertArrayEquals(predicted.get(file), served.get(file), 1e-6, "predict and serve: " + file);
        }
    }

    private static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
