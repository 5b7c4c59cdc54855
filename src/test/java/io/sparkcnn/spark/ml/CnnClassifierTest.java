package io.sparkcnn.spark.ml;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.data.DataException;
import io.sparkcnn.model.ModelStore;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.registry.ModelRegistry;
import io.sparkcnn.spark.job.PredictJob;
import io.sparkcnn.spark.training.FaultInjector;
import io.sparkcnn.testing.Images;
import io.sparkcnn.testing.LocalSpark;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    void numericLabelsFromStringIndexerTrainAndPredictInTheirOwnNumbers(SparkSession spark) {
        Dataset<Row> files = binaryFiles(spark, "name");
        CnnClassifier cnn = new CnnClassifier().setImageCol("content").setEpochs(2).setBatchSizePerWorker(4)
                .setSettings("train.averagingFrequency=2");

        // Indexed in the order spark-cnn sorts names: the same classes with the same ids, so the same model.
        Dataset<Row> ascending = new StringIndexer().setInputCol("name").setOutputCol("label")
                .setStringOrderType("alphabetAsc").fit(files).transform(files);
        CnnClassifierModel byIndex = cnn.fit(ascending);
        CnnClassifierModel byName = cnn.copy(new org.apache.spark.ml.param.ParamMap()).setLabelCol("name")
                .fit(ascending);
        assertEquals(byName.labels(), byIndex.labels());
        List<Row> a = byIndex.transform(ascending).orderBy("path").select("probability", "prediction", "label")
                .collectAsList();
        List<Row> b = byName.transform(ascending).orderBy("path").select("probability").collectAsList();
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(((Vector) b.get(i).get(0)).toArray(), ((Vector) a.get(i).get(0)).toArray(), 0.0);
        }

        // Indexed in another order: the model takes the indexer's names and answers in its numbers.
        StringIndexerModel descending = new StringIndexer().setInputCol("name").setOutputCol("label")
                .setStringOrderType("alphabetDesc").fit(files);
        CnnClassifierModel model = cnn.fit(descending.transform(files));
        assertEquals(List.of("class2", "class1", "class0"), model.labels(), "the indexer's names, in its order");
        for (Row r : model.transform(descending.transform(files)).select("prediction", "predictedLabel")
                .collectAsList()) {
            assertEquals(descending.labelsArray()[0][(int) r.getDouble(0)], r.getString(1));
        }

        Dataset<Row> fractional = ascending.selectExpr("path", "content", "label + 0.5 AS label");
        DataException notAnIndex = assertThrows(DataException.class, () -> cnn.fit(fractional));
        assertTrue(notAnIndex.getMessage().startsWith("label: a numeric label must be a class index"),
                notAnIndex.getMessage());
    }

    @Test
    void predictAndTheTransformAnswerInOneSchemaWithTheSameNumbers(SparkSession spark) throws Exception {
        Dataset<Row> files = binaryFiles(spark, "label");
        CnnClassifierModel model = new CnnClassifier().setImageCol("content").setEpochs(1).setBatchSizePerWorker(4)
                .fit(files);
        Dataset<Row> transformed = model.transform(files);
        JobConfig job = JobConfigLoader.load(Optional.empty(), List.of("predict.lake=" + tmp.resolve("lake"), "predict.topK=5",
                "output.dir=" + tmp.resolve("out")));
        PredictJob.run(spark, job, model.savedModel(), "fitted", model.uid(), false);
        Dataset<Row> predicted = spark.read().parquet(tmp.resolve("out/predictions/" + PredictJob.PARQUET).toString());

        List<String> added = new ArrayList<>(List.of(transformed.columns()));
        added.removeAll(List.of(files.columns()));
        List<String> written = new ArrayList<>(List.of(predicted.columns()));
        written.removeAll(List.of("path", "label"));
        assertEquals(written, added, "the same columns in the same order");
        for (String c : added) {
            assertEquals(predicted.schema().apply(c).dataType().catalogString(),
                    transformed.schema().apply(c).dataType().catalogString(), c);
        }
        List<Row> joined = transformed.as("t").join(predicted.as("p"), "path")
                .selectExpr("t.probability", "p.probability", "t.topLabels", "p.topLabels", "t.modelVersion",
                        "p.modelVersion").collectAsList();
        assertEquals(72, joined.size(), "the paths join: one spelling in both");
        for (Row r : joined) {
            assertArrayEquals(((Vector) r.get(0)).toArray(), ((Vector) r.get(1)).toArray(), 0.0);
            assertEquals(r.getList(2), r.getList(3));
            assertEquals(r.getString(4), r.getString(5));
        }
    }

    @Test
    void withAnOutputDirFitWritesWhatTrainWritesAndRegistersTheModel(SparkSession spark) throws Exception {
        Dataset<Row> files = binaryFiles(spark, "label");
        CnnClassifier cnn = new CnnClassifier().setImageCol("content").setEpochs(1).setBatchSizePerWorker(4)
                .setOutputDir(tmp.resolve("run").toString())
                .setSettings("registry.dir=" + tmp.resolve("registry"), "registry.model=bright");
        CnnClassifierModel fitted = cnn.fit(files);
        assertTrue(Files.exists(tmp.resolve("run/model/_SUCCESS")));
        assertTrue(Files.readString(tmp.resolve("run/model/report.html")).contains("id=\"per-class\""));
        SavedModel written = ModelStore.read(tmp.resolve("run/model").toString(), new Configuration());
        assertEquals(fitted.labels(), written.labels().labels());
        ModelRegistry registry = ModelRegistry.open(tmp.resolve("registry").toString(), "bright", new Configuration());
        assertEquals("v1", registry.champion().orElseThrow().name(), "the first version becomes the champion");

        IllegalArgumentException again = assertThrows(IllegalArgumentException.class, () -> cnn.fit(files));
        assertTrue(again.getMessage().startsWith("outputDir: "), again.getMessage());
        new CnnClassifier().setImageCol("content").setEpochs(1).setBatchSizePerWorker(4)
                .setSettings("output.dir=" + tmp.resolve("quiet")).fit(files);
        assertFalse(Files.exists(tmp.resolve("quiet")), "without an outputDir fit writes nothing");
    }

    @Test
    void anInterruptedFitResumesFromItsCheckpointsToTheModelAnUndisturbedFitMakes(SparkSession spark) throws Exception {
        Dataset<Row> files = binaryFiles(spark, "label");
        CnnClassifier cnn = new CnnClassifier().setImageCol("content").setEpochs(2).setBatchSizePerWorker(4)
                .setSettings("train.averagingFrequency=2", "train.checkpoint.everyRounds=1");
        ParamMap none = new ParamMap();
        float[] undisturbed = cnn.copy(none).setOutputDir(tmp.resolve("a").toString()).fit(files).savedModel()
                .network().params().data().asFloat();

        CnnClassifier interrupted = cnn.copy(none).setOutputDir(tmp.resolve("b").toString());
        FaultInjector failInEpoch2 = (worker, epoch, round, attempt) -> {
            if (epoch == 1 && round == 2) {
                throw new IllegalStateException("injected: the fit dies in epoch 2");
            }
        };
        assertThrows(Exception.class, () -> interrupted.fit(files, failInEpoch2));
        assertTrue(Files.isDirectory(tmp.resolve("b/checkpoints")));
        assertFalse(Files.exists(tmp.resolve("b/model")));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> interrupted.fit(files));
        assertTrue(refused.getMessage().startsWith("outputDir: ") && refused.getMessage().contains("setResume"),
                refused.getMessage());

        float[] resumed = interrupted.copy(none).setResume(true).fit(files).savedModel().network().params().data()
                .asFloat();
        assertArrayEquals(undisturbed, resumed, 0f, "the model an undisturbed fit makes, bit for bit");
        assertFalse(Files.exists(tmp.resolve("b/checkpoints")), "a finished fit deletes its checkpoints");
        assertTrue(Files.exists(tmp.resolve("b/model/_SUCCESS")));
    }

    @Test
    void fitReadsItsInputOnce(SparkSession spark) {
        LongAccumulator reads = spark.sparkContext().longAccumulator("rows read");
        Dataset<Row> files = binaryFiles(spark, "label");
        Dataset<Row> counted = files.map((MapFunction<Row, Row>) r -> {
            reads.add(1);
            return r;
        }, Encoders.row(files.schema()));
        new CnnClassifier().setImageCol("content").setEpochs(2).setBatchSizePerWorker(4).fit(counted);
        assertEquals(72, reads.value(), "every row read once, however many passes fit makes over it");
    }

    /** The test lake through Spark's binaryFile source: path, content, and the class folder as {@code label}. */
    private Dataset<Row> binaryFiles(SparkSession spark, String label) {
        Path lake = tmp.resolve("lake");
        lake(lake);
        return spark.read().format("binaryFile").load(lake + "/*/*.png")
                .selectExpr("path", "content", "regexp_extract(path, '/(class[0-9]+)/[^/]+$', 1) AS " + label);
    }

    private static String messages(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (; t != null; t = t.getCause() == t ? null : t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        return all.toString();
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

        CnnClassifierModel model = cnn.copy(new org.apache.spark.ml.param.ParamMap()).setHandleInvalid("skip")
                .setSettings("data.badFiles.maxFraction=0.1").fit(files);
        assertEquals(3, model.labels().size());

        // The same undecodable row in transform: an error naming it, dropped, or kept without a prediction.
        Exception failed = assertThrows(Exception.class, () -> model.setHandleInvalid("error").transform(files).count());
        assertTrue(messages(failed).contains("cannot classify") && messages(failed).contains("broken.png"),
                messages(failed));
        assertEquals(72, model.setHandleInvalid("skip").transform(files).count());
        Dataset<Row> kept = model.setHandleInvalid("keep").transform(files);
        assertEquals(73, kept.count());
        List<Row> unclassified = kept.where("prediction IS NULL").select("path", "modelVersion").collectAsList();
        assertEquals(1, unclassified.size());
        assertTrue(unclassified.get(0).getString(0).endsWith("broken.png"));
        assertEquals(model.uid(), unclassified.get(0).getString(1), "every row names the model");
        IllegalArgumentException noColumn = assertThrows(IllegalArgumentException.class,
                () -> new CnnClassifier().setImageCol("pixels").fit(files));
        assertTrue(noColumn.getMessage().contains("\"pixels\"") && noColumn.getMessage().contains("imageCol"),
                noColumn.getMessage());
        io.sparkcnn.config.ConfigException badSetting = assertThrows(io.sparkcnn.config.ConfigException.class,
                () -> new CnnClassifier().setImageCol("content").setSettings("train.epochs=0").fit(files));
        assertEquals("train.epochs", badSetting.key());
    }
}
