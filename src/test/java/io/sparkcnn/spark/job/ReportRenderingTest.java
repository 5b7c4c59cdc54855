package io.sparkcnn.spark.job;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.eval.HtmlReport;
import io.sparkcnn.spark.training.FaultInjector;
import io.sparkcnn.testing.Images;
import io.sparkcnn.testing.LocalSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reports that train and evaluate write, rendered by a real browser: Debian's headless Chromium (the test
 * command installs it) loads each page from disk, with no network, logs no error, and paints its charts, heat
 * map and images (their colours are found in the screenshot).
 */
@ExtendWith(LocalSpark.class)
class ReportRenderingTest {
    @TempDir
    Path tmp;

    record Rendered(BufferedImage screenshot, String dom, String log) {
    }

    private Rendered render(Path html) throws IOException, InterruptedException {
        String chromium = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser").stream()
                .filter(c -> Files.isExecutable(Path.of(c))).findFirst()
                .orElseThrow(() -> new AssertionError("headless Chromium is needed: apt-get install chromium "
                        + "(scripts/test.sh installs it)"));
        Path shot = tmp.resolve(html.getFileName() + ".png");
        Path profile = Files.createDirectories(tmp.resolve("profile"));
        List<String> common = List.of(chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
                "--window-size=1280,4000");
        List<String> screenshot = new ArrayList<>(common);
        screenshot.addAll(List.of("--screenshot=" + shot, html.toUri().toString()));
        String log = run(screenshot);
        List<String> dump = new ArrayList<>(common);
        dump.addAll(List.of("--dump-dom", html.toUri().toString()));
        ProcessBuilder pb = new ProcessBuilder(dump).redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String dom = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        return new Rendered(ImageIO.read(shot.toFile()), dom, log);
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), out);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static boolean hasColour(BufferedImage img, int rgb, int tolerance) {
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int c = img.getRGB(x, y);
                if (Math.abs((c >> 16 & 255) - (rgb >> 16 & 255)) <= tolerance
                        && Math.abs((c >> 8 & 255) - (rgb >> 8 & 255)) <= tolerance
                        && Math.abs((c & 255) - (rgb & 255)) <= tolerance) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void theTrainingAndEvaluationReportsDrawInHeadlessChromium(SparkSession spark) throws Exception {
        Path lake = Images.lake(tmp.resolve("lake"), 3, 12);
        JobConfig job = JobConfigLoader.load(Optional.empty(), List.of("data.train=" + lake,
                "data.heldOutFraction=0.3", "output.dir=" + tmp.resolve("out"), "train.epochs=2",
                "train.batchSizePerWorker=4", "train.averagingFrequency=1"));
        TrainJob.run(spark, job, false, FaultInjector.NONE);
        Path trainReport = tmp.resolve("out/model/" + HtmlReport.FILE);
        assertTrue(Files.exists(trainReport), "train writes its report next to the model");
        EvaluateJob.run(spark, job, tmp.resolve("out/model").toString());
        Path evalReport = tmp.resolve("out/" + EvaluateJob.REPORT);
        assertTrue(Files.exists(evalReport));

        Rendered train = render(trainReport);
        assertFalse(train.log().contains("CONSOLE") || train.log().contains("Uncaught")
                || train.log().contains("Failed to load"), train.log());
        for (String id : List.of("chart-round-loss", "chart-epoch-accuracy", "chart-epoch-loss", "per-class",
                "confusion", "workers")) {
            assertTrue(train.dom().contains("id=\"" + id + "\""), id + " in the rendered DOM");
        }
        assertTrue(hasColour(train.screenshot(), 0x1f77b4, 8), "the charts' lines are painted");
        assertTrue(hasColour(train.screenshot(), 0x000000, 0), "text is painted");

        Rendered eval = render(evalReport);
        assertTrue(eval.dom().contains("id=\"confusion\"") && !eval.dom().contains("<svg"),
                "an evaluation has no learning curves");
    }
}
