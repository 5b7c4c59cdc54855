package io.sparkcnn.spark.job;

import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.data.DataException;
import io.sparkcnn.data.ImageDecoder;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.spark.training.FaultInjector;
import io.sparkcnn.testing.Images;
import io.sparkcnn.testing.LocalSpark;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Batch inference on a real local Spark session: every image of a lake classified with a trained model,
 * Parquet and CSV read back, true labels where the lake has them, bad files counted or stopping the job,
 * and the same probabilities as the network computes in this JVM.
 */
@ExtendWith(LocalSpark.class)
class PredictJobTest {
    @TempDir
    Path tmp;

    private JobConfig job(String... overrides) {
        List<String> all = new ArrayList<>(List.of("data.train=" + tmp.resolve("lake"), "data.heldOutFraction=0.2",
                "output.dir=" + tmp.resolve("out"), "train.epochs=1", "train.batchSizePerWorker=4",
                "train.evalBatchSize=5", "predict.topK=2"));
        all.addAll(Arrays.asList(overrides));
        return JobConfigLoader.load(Optional.empty(), all);
    }

    @Test
    void everyImageIsClassifiedWithItsTopKAndTheSameProbabilitiesAsTheNetwork(SparkSession spark) throws Exception {
        Images.lake(tmp.resolve("lake"), 3, 10);
        TrainJob.Result trained = TrainJob.run(spark, job(), false, FaultInjector.NONE);
        SavedModel model = trained.model();
        String report = Files.readString(tmp.resolve("out/model/report.html"));
        if (!trained.training().misses().isEmpty()) {
            assertEquals(trained.training().misses().size(), report.split("class=\"saliency\"", -1).length - 1,
                    "every mistake in the report has its saliency map");
        }
        Path incoming = tmp.resolve("incoming");
        for (int i = 0; i < 4; i++) {
            Images.writePng(incoming.resolve("class1/" + i + ".png"), 40 + i);
            Images.writePng(incoming.resolve("never-seen/" + i + ".png"), 80 + i);
            Images.writePng(incoming.resolve("loose-" + i + ".png"), i);
        }
        Images.writePng(incoming.resolve(ODD_NAME), 7);
        Images.write(incoming.resolve("class1/broken.png"), new byte[] {1, 2, 3});
        String trainReport = Files.readString(tmp.resolve("out/bad-files.tsv"));

        DataException stopped = assertThrows(DataException.class, () -> PredictJob.run(spark,
                job("predict.lake=" + incoming), model, "m", "m-v1", false));
        assertTrue(stopped.getMessage().contains("class1/broken.png"), stopped.getMessage());
        assertTrue(stopped.getMessage().contains(tmp.resolve("out/predictions/bad-files.tsv").toString()),
                "the message names the list under predict.output: " + stopped.getMessage());
        try (var written = Files.list(tmp.resolve("out/predictions"))) {
            assertEquals(List.of("bad-files.tsv"), written.map(f -> f.getFileName().toString()).toList(),
                    "when the bad-file policy stops it, the output folder holds only their list");
        }
        assertEquals(trainReport, Files.readString(tmp.resolve("out/bad-files.tsv")), "train's report is untouched");

        PredictJob.Result r = PredictJob.run(spark, job("predict.lake=" + incoming, "data.badFiles.policy=skip",
                "data.badFiles.maxFraction=0.5", "predict.format=both"), model, "m", "m-v1", false);
        assertEquals(13, r.images(), "a stopped run's report is no output to refuse to replace");
        assertEquals(1, r.badFiles());
        assertEquals(4, r.labelled(), "only class1 is a class of the model");
        assertTrue(Files.readString(tmp.resolve("out/predictions/bad-files.tsv")).contains("broken.png"));
        assertTrue(Files.readString(tmp.resolve("out/predictions/predict.json")).contains("\"images\" : 13"));

        Dataset<Row> rows = spark.read().parquet(tmp.resolve("out/predictions/" + PredictJob.PARQUET).toString());
        assertEquals(List.of("path", "label", "prediction", "predictedLabel", "probability", "rawPrediction",
                "topLabels", "topProbabilities", "modelVersion"), Arrays.asList(rows.columns()));
        List<Row> all = rows.orderBy("path").collectAsList();
        assertEquals(13, all.size());
        ImageDecoder decoder = new ImageDecoder(job().data().image());
        for (Row row : all) {
            String path = row.getString(0);
            assertTrue(path.startsWith("file:/") && !path.startsWith("file://"), "Hadoop's spelling: " + path);
            int index = (int) row.getDouble(2);
            double[] probability = ((Vector) row.get(4)).toArray();
            double[] raw = ((Vector) row.get(5)).toArray();
            List<String> top = row.getList(6);
            List<Double> p = row.getList(7);
            assertEquals(model.labels().label(index), row.getString(3), "prediction is the predicted label's index");
            assertEquals(3, probability.length, "a probability for every class, in label index order");
            assertEquals(1.0, Arrays.stream(probability).sum(), 1e-5);
            assertEquals(Math.log(probability[0]), raw[0], 1e-9);
            assertEquals(2, top.size());
            assertEquals(top.get(0), row.getString(3));
            assertEquals(p.get(0), probability[index]);
            assertEquals("m-v1", row.getString(8));
            assertTrue(p.get(0) >= p.get(1) && p.get(0) + p.get(1) <= 1.0 + 1e-6, row.toString());
            if (path.contains("/class1/")) {
                assertEquals("class1", row.getString(1));
            } else if (path.contains("/never-seen/")) {
                assertEquals("never-seen", row.getString(1), "the lake's label, even one the model does not know");
            } else {
                assertNull(row.getString(1), "a file outside any folder has no true label");
            }
            byte[] bytes = Files.readAllBytes(Path.of(new org.apache.hadoop.fs.Path(path).toUri()));
            float[] x = model.normalisation().apply(decoder.decode(bytes, path).pixels());
            float[] expected = model.network().output(Nd4j.createFromArray(x).reshape(1, 1, 28, 28)).toFloatVector();
            int best = io.sparkcnn.eval.Ranking.argmax(expected);
            assertEquals(model.labels().label(best), row.getString(3), path);
            assertEquals(expected[best], p.get(0), 1e-5, path);
        }

        List<String> csv = new ArrayList<>();
        try (var parts = Files.list(tmp.resolve("out/predictions/" + PredictJob.CSV))) {
            for (Path part : parts.filter(f -> f.getFileName().toString().startsWith("part-")).toList()) {
                csv.addAll(Files.readAllLines(part));
            }
        }
        assertTrue(csv.contains("path,label,prediction,predictedLabel,probability,rawPrediction,topLabels,"
                + "topProbabilities,modelVersion"), csv.toString());
        List<List<String>> records = rfc4180(String.join("\n", csv));
        assertEquals(13 + 1, records.size(), "a header and a record per image, read as RFC 4180 CSV");
        assertTrue(records.stream().allMatch(rec -> rec.size() == 9), records.toString());
        assertTrue(records.stream().anyMatch(rec -> rec.get(0).endsWith("/" + ODD_NAME)),
                "a path with a quote, a comma and a newline reads back whole: " + records);
        assertTrue(csv.stream().anyMatch(l -> l.matches("file:/.*,class1,\\d\\.0,class\\d,[-0-9.E]+;[-0-9.E]+;[-0-9.E]+,"
                + "[-0-9.E]+;[-0-9.E]+;[-0-9.E]+,class\\d;class\\d,[0-9.E-]+;[0-9.E-]+,m-v1")), csv.toString());

        ConfigException exists = assertThrows(ConfigException.class, () -> PredictJob.run(spark,
                job("predict.lake=" + incoming, "data.badFiles.policy=skip", "data.badFiles.maxFraction=0.5"), model,
                "m", "m-v1", false));
        assertEquals("predict.output", exists.key());
    }

    private static final String ODD_NAME = "say \"hi\", then\nnewline.png";

    /** The records of RFC 4180 text: fields split by commas, quoted fields may hold commas, newlines and "". */
    private static List<List<String>> rfc4180(String text) {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                assertEquals(0, field.length(), "a quote may only open a field: " + text);
                quoted = true;
            } else if (c == ',' || c == '\n') {
                record.add(field.toString());
                field.setLength(0);
                if (c == '\n') {
                    records.add(record);
                    record = new ArrayList<>();
                }
            } else {
                field.append(c);
            }
        }
        record.add(field.toString());
        records.add(record);
        return records;
    }

    @Test
    void aManifestWithoutLabelsIsClassified(SparkSession spark) throws IOException {
        Images.lake(tmp.resolve("lake"), 2, 8);
        SavedModel model = TrainJob.run(spark, job(), false, FaultInjector.NONE).model();
        Images.writePng(tmp.resolve("x/a.png"), 1);
        Images.writePng(tmp.resolve("x/b.png"), 41);
        Path manifest = Files.writeString(tmp.resolve("x/list.csv"), "path\na.png\nb.png\n");
        PredictJob.Result r = PredictJob.run(spark, job("predict.lake=" + manifest, "predict.output="
                + tmp.resolve("p")), model, "m", "m-v1", false);
        assertEquals(2, r.images());
        assertEquals(0, r.labelled());
        assertArrayEquals(new int[] {2, 0, 1}, io.sparkcnn.eval.Ranking.top(new float[] {0.2f, 0.1f, 0.7f}, 3));
    }
}
