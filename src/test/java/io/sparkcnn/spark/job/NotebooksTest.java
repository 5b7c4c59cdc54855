package io.sparkcnn.spark.job;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.spark.training.FaultInjector;
import io.sparkcnn.testing.Images;
import io.sparkcnn.testing.LocalSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The notebooks in notebooks/, executed headless by Debian's jupyter-nbconvert (the test command installs it
 * with matplotlib and pandas) on two small runs and their predictions: any cell error fails the test.
 */
@ExtendWith(LocalSpark.class)
class NotebooksTest {
    @TempDir
    Path tmp;

    private JobConfig job(String out, String... overrides) {
        List<String> all = new ArrayList<>(List.of("data.train=" + tmp.resolve("lake"), "data.heldOutFraction=0.3",
                "output.dir=" + tmp.resolve(out), "train.epochs=2", "train.batchSizePerWorker=4"));
        all.addAll(List.of(overrides));
        return JobConfigLoader.load(Optional.empty(), all);
    }

    private String execute(String notebook, Map<String, String> env) throws Exception {
        Path executed = tmp.resolve("executed-" + notebook);
        List<String> cmd = List.of("/usr/bin/jupyter-nbconvert", "--to", "notebook", "--execute",
                "--ExecutePreprocessor.timeout=300", "--output", executed.toString(), "notebooks/" + notebook);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().put("PATH", "/usr/bin:/bin:" + System.getenv("PATH"));
        Process p;
        try {
            p = pb.start();
        } catch (java.io.IOException e) {
            throw new AssertionError("jupyter-nbconvert is needed: apt-get install jupyter-nbconvert python3-ipykernel "
                    + "python3-matplotlib python3-pandas (scripts/test.sh installs them)", e);
        }
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), log);
        assertEquals(0, p.exitValue(), "a cell failed:\n" + log);
        String result = Files.readString(executed);
        assertFalse(result.contains("\"output_type\": \"error\""), result);
        return result;
    }

    @Test
    void bothNotebooksRunHeadlessOnRealRuns(SparkSession spark) throws Exception {
        Images.lake(tmp.resolve("lake"), 3, 12);
        TrainJob.run(spark, job("a", "train.averagingFrequency=1"), false, FaultInjector.NONE);
        TrainJob.Result b = TrainJob.run(spark, job("b", "train.averagingFrequency=4"), false, FaultInjector.NONE);
        PredictJob.run(spark, job("b", "predict.lake=" + tmp.resolve("lake"), "predict.format=csv"), b.model(),
                "b", "b", false);

        String report = execute("run-report.ipynb", Map.of("SPARK_CNN_MODEL", tmp.resolve("b/model").toString(),
                "SPARK_CNN_PREDICTIONS", tmp.resolve("b/predictions").toString()));
        assertTrue(countOf(report, "\"image/png\"") >= 2, "the curves and the confusion matrix are drawn");
        assertTrue(report.contains("predictions; "), "the predictions are read");

        String compare = execute("compare-runs.ipynb", Map.of("SPARK_CNN_RUN_A", tmp.resolve("a/model").toString(),
                "SPARK_CNN_RUN_B", tmp.resolve("b/model").toString()));
        assertTrue(compare.contains("train.averagingFrequency"), "the differing setting is shown");
        assertTrue(countOf(compare, "\"image/png\"") >= 2);
    }

    private static int countOf(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
