package io.sparkcnn.spark.ml;

import io.sparkcnn.data.DataException;
import io.sparkcnn.testing.Images;
import io.sparkcnn.testing.LocalSpark;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Spark ML API on a real local Spark session: a Pipeline (label from the path, then CnnClassifier) fitted on
 * Spark's image source, saved, loaded and applied, with the loaded Pipeline giving exactly the fitted one's
 * probabilities; the binaryFile source; bad columns and bad rows.
 */
@ExtendWith(LocalSpark.class)
class CnnClassifierTest {
    @TempDir
    Path tmp;

    private static void lake(Path root) {
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 24; i++) {
                Images.writeNoisyPng(root.resolve("class" + c + "/" + i + ".png"), 40 + 80 * c, 20, c * 100 + i);
            }
        }
    }

    @Test
    void aPipelineIsFittedSavedLoadedAndAppliedWithTheSameResults(SparkSession spark) throws Exception {
        Path lake = tmp.resolve("lake");
        lake(lake);
        Dataset<Row> images = spark.read().format("image").load(lake + "/*/*.png");
        SQLTransformer labelFromPath = new SQLTransformer().setStatement(
                "SELECT *, regexp_extract(image.origin, '/(class[0-9]+)/[^/]+$', 1) AS label FROM __THIS__");
        CnnClassifier cnn = new CnnClassifier().setEpochs(5).setBatchSizePerWorker(4).setLearningRate(0.01)
                .setHeldOutFraction(0.25).setSettings("train.averagingFrequency=2");
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {labelFromPath, cnn});
        PipelineModel fitted = pipeline.fit(images);
        CnnClassifierModel model = assertInstanceOf(CnnClassifierModel.class, fitted.stages()[1]);
        assertEquals(List.of("class0", "class1", "class2"), model.labels());

        Dataset<Row> out = fitted.transform(images).orderBy("image.origin");
        assertTrue(List.of(out.columns()).containsAll(List.of("label", "prediction", "probability", "predictedLabel")));
        List<Row> rows = out.select("label", "prediction", "probability", "predictedLabel").collectAsList();
        assertEquals(72, rows.size());
        long correct = rows.stream().filter(r -> r.getString(0).equals(r.getString(3))).count();
        assertTrue(correct >= 60, "brightness classes are learnt: " + correct + " of 72");
        for (Row r : rows) {
            Vector p = r.getAs(2);
            assertEquals(3, p.size());
            assertEquals(p.argmax(), (int) r.getDouble(1));
            assertEquals(model.labels().get(p.argmax()), r.getString(3));
        }

        String saved = tmp.resolve("pipeline").toString();
        fitted.write().overwrite().save(saved);
        pipeline.write().overwrite().save(tmp.resolve("unfitted").toString());
        PipelineModel loaded = PipelineModel.load(saved);
        List<Row> again = loaded.transform(images).orderBy("image.origin").select("probability").collectAsList();
        for (int i = 0; i < rows.size(); i++) {
            assertArrayEquals(((Vector) rows.get(i).getAs(2)).toArray(), ((Vector) again.get(i).getAs(0)).toArray(),
                    0.0, "identical after save and load");
        }
        CnnClassifier reloaded = (CnnClassifier) Pipeline.load(tmp.resolve("unfitted").toString()).getStages()[1];
        assertEquals(5, (int) reloaded.getOrDefault(reloaded.epochs()));
        assertArrayEquals(new String[] {"train.averagingFrequency=2"}, reloaded.getOrDefault(reloaded.settings()));
    }

    @Test
    void binaryFileRowsTrainTooAndBadInputIsNamed(SparkSession spark) {
        Path lake = tmp.resolve("lake");
        lake(lake);
        Images.write(lake.resolve("class1/broken.png"), new byte[] {1, 2, 3});
        Dataset<Row> files = spark.read().format("binaryFile").load(lake + "/*/*.png")
                .selectExpr("path", "content", "regexp_extract(path, '/(class[0-9]+)/[^/]+$', 1) AS label");
        CnnClassifier cnn = new CnnClassifier().setImageCol("content").setEpochs(1).setBatchSizePerWorker(4);
        DataException bad = assertThrows(DataException.class, () -> cnn.fit(files));
        assertTrue(bad.getMessage().contains("broken.png"), bad.getMessage());

        CnnClassifierModel model = cnn.copy(new org.apache.spark.ml.param.ParamMap())
                .setSettings("data.badFiles.policy=skip", "data.badFiles.maxFraction=0.1").fit(files);
        assertEquals(3, model.labels().size());
        IllegalArgumentException noColumn = assertThrows(IllegalArgumentException.class,
                () -> new CnnClassifier().setImageCol("pixels").fit(files));
        assertTrue(noColumn.getMessage().contains("\"pixels\"") && noColumn.getMessage().contains("imageCol"),
                noColumn.getMessage());
        io.sparkcnn.config.ConfigException badSetting = assertThrows(io.sparkcnn.config.ConfigException.class,
                () -> new CnnClassifier().setImageCol("content").setSettings("train.epochs=0").fit(files));
        assertEquals("train.epochs", badSetting.key());
    }
}
