package io.sparkcnn.cli;

import io.sparkcnn.testing.Images;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cron example as a scheduler runs it: scripts/retrain-cron.sh calling scripts/submit.sh with the shaded
 * jar (so failsafe runs it after {@code package}), on a registry that a submitted train job started.
 */
class RetrainCronIT {
    @TempDir
    Path tmp;

    private record Run(int exit, String output) {
    }

    private static Run run(Map<String, String> env, String... cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), out);
        return new Run(p.exitValue(), out);
    }

    private static void images(Path lake, String prefix, int n) {
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < n; i++) {
                Images.writeNoisyPng(lake.resolve("tone" + c + "/" + prefix + i + ".png"), 60 + 120 * c, 20,
                        (prefix + c + "/" + i).hashCode());
            }
        }
    }

    @Test
    void theCronWrapperLogsEachOutcomeAndFailsOnlyOnFailures() throws Exception {
        Path lake = tmp.resolve("lake");
        images(lake, "", 12);
        Path conf = Files.writeString(tmp.resolve("tones.conf"), String.join("\n",
                "data.train = \"" + lake + "\"", "data.heldOutFraction = 0.25",
                "output.dir = \"" + tmp.resolve("out") + "\"", "registry.dir = \"" + tmp.resolve("registry") + "\"",
                "registry.model = tones", "train { epochs = 2, batchSizePerWorker = 4, learningRate = 0.01 }", ""));
        Run trained = run(Map.of(), "bash", "scripts/submit.sh", "--master", "local[2]", "--", "train", "--conf",
                conf.toString());
        assertEquals(0, trained.exit(), trained.output());
        assertTrue(trained.output().contains("Registry: tones v1 (champion)"), trained.output());

        images(lake, "new-", 6);
        Map<String, String> env = Map.of("RETRAIN_CONF", conf.toString());
        Run promoted = run(env, "bash", "scripts/retrain-cron.sh");
        assertEquals(0, promoted.exit(), promoted.output());
        assertTrue(promoted.output().contains("retrain-cron: PROMOTED"), promoted.output());

        Run nothing = run(env, "bash", "scripts/retrain-cron.sh");
        assertEquals(0, nothing.exit(), nothing.output());
        assertTrue(nothing.output().contains("retrain-cron: NOTHING TO DO"), nothing.output());

        Run failed = run(Map.of("RETRAIN_CONF", conf.toString(), "RETRAIN_SET", "retrain.metric=auc"),
                "bash", "scripts/retrain-cron.sh");
        assertEquals(SparkCnn.EXIT_CONFIG, failed.exit(), failed.output());
        assertTrue(failed.output().contains("retrain.metric") && failed.output().contains("FAILED with exit code 2"),
                failed.output());
        List<String> versions;
        try (var s = Files.list(tmp.resolve("registry/tones"))) {
            versions = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("v")).sorted().toList();
        }
        assertEquals(List.of("v1", "v2"), versions);
    }
}
