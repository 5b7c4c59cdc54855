package io.sparkcnn.cli;

import io.sparkcnn.config.ReferenceConf;
import io.sparkcnn.registry.ModelRegistry;
import io.sparkcnn.registry.RegistryFixtures;
import io.sparkcnn.registry.RegistryLock;
import io.sparkcnn.testing.Images;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line: exit codes, messages, and inspect end to end in its own JVM. */
class SparkCnnCliTest {
    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {
    }

    /** Runs the CLI in this JVM, for commands that start no Spark session. */
    private static Run inProcess(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int exit = SparkCnn.execute(args);
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Runs the CLI in a fresh JVM with this test JVM's classpath and flags, as the launcher does. */
    private Run inJvm(String... args) throws IOException, InterruptedException {
        return inJvm(Map.of(), args);
    }

    /** As above, with {@code env} changing the environment (an empty value removes the variable). */
    private Run inJvm(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = command(args);
        Path out = tmp.resolve("stdout");
        Path err = tmp.resolve("stderr");
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        env.forEach((name, value) -> {
            if (value.isEmpty()) {
                builder.environment().remove(name);
            } else {
                builder.environment().put(name, value);
            }
        });
        Process p = builder.start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "CLI finished");
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** The command line of a fresh JVM running the CLI with this test JVM's classpath and flags. */
    private static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-XX:+Ignore") || a.startsWith("-Djdk.")).toList());
        cmd.add("-Dlog4j2.configurationFile=" + Path.of("conf/log4j2.properties").toAbsolutePath());
        cmd.add("-Dspark.driver.host=127.0.0.1");
        cmd.add("-Dspark.ui.enabled=false");
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), SparkCnn.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    void theCommandLineChoosesOpenBlasKernelsForThisCpuUnlessOpenBlasCoretypeIsSet() throws Exception {
        Run chosen = inJvm(Map.of("OPENBLAS_CORETYPE", ""), "env");
        assertEquals(0, chosen.exit(), chosen.err());
        java.util.Optional<String> expected = cpuChoice();
        String line = chosen.out().lines().filter(l -> l.startsWith("openblas.coretype ")).findFirst().orElseThrow();
        if (expected.isPresent()) {
            // OpenBLAS loaded after the choice and runs those kernels.
            assertEquals("openblas.coretype " + expected.get() + "; kernels in use: " + expected.get(), line);
        } else {
            assertTrue(line.startsWith("openblas.coretype (unset"), line);
        }
        Run given = inJvm(Map.of("OPENBLAS_CORETYPE", "Prescott"), "env");
        assertTrue(given.out().contains("openblas.coretype Prescott; kernels in use: Prescott"), given.out());
    }

    /** What OpenBlasCore should choose on this machine, from /proc/cpuinfo as a shell would read it. */
    private static java.util.Optional<String> cpuChoice() throws IOException {
        List<String> cpuinfo = Files.readAllLines(Path.of("/proc/cpuinfo"));
        String vendor = cpuinfo.stream().filter(l -> l.startsWith("vendor_id")).findFirst().orElse(":")
                .split(":")[1].trim();
        java.util.Set<String> flags = java.util.Set.of(cpuinfo.stream().filter(l -> l.startsWith("flags"))
                .findFirst().orElse(":").split(":")[1].trim().split(" "));
        if ((vendor.equals("GenuineIntel") || vendor.equals("AuthenticAMD"))
                && flags.containsAll(List.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"))) {
            return java.util.Optional.of("SkylakeX");
        }
        if (!vendor.equals("GenuineIntel")) {
            return java.util.Optional.empty();
        }
        return flags.contains("avx2") && flags.contains("fma") ? java.util.Optional.of("Haswell")
                : java.util.Optional.empty();
    }

    @Test
    void envChecksComputeBackendOnThisGpuLessMachineForAllThreeValues() {
        Run auto = inProcess("env");
        assertEquals(0, auto.exit(), auto.err());
        assertTrue(auto.out().contains("compute.backend auto: CpuBackend"), auto.out());
        Run cpu = inProcess("env", "--set", "compute.backend=cpu");
        assertEquals(0, cpu.exit(), cpu.err());
        assertTrue(cpu.out().contains("compute.backend cpu: CpuBackend"), cpu.out());
        Run gpu = inProcess("env", "--set", "compute.backend=gpu");
        assertEquals(2, gpu.exit(), gpu.out());
        assertTrue(gpu.err().contains("compute.backend = gpu, but ND4J on ") && gpu.err().contains("CpuBackend")
                && gpu.err().contains("this build has no CUDA backend: build the jar with mvn -Pcuda"), gpu.err());
        Run bad = inProcess("env", "--set", "compute.backend=tpu");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("compute.backend") && bad.err().contains("auto | cpu | gpu"), bad.err());
    }

    @Test
    void envPrintsTheStackItRunsOnAndTheCommitItWasBuiltFrom() {
        Run r = inProcess("env");
        assertEquals(0, r.exit(), r.err());
        // The build's own Spark and Scala (surefire passes pom.xml's versions); dl4j-spark only where it exists.
        String scala = System.getProperty("scala.binary.version", "2.12");
        for (String line : List.of("spark-cnn ", "spark " + System.getProperty("build.spark.version", "3.5."),
                "scala " + scala + ".", "hadoop 3.", "deeplearning4j 1.0.0-M2",
                scala.equals("2.12") ? "dl4j-spark 1.0.0-M2" : "dl4j-spark absent", "nd4j 1.0.0-M2", "cpu.model ",
                "cpu.simd ", "jvm.vectorApi on")) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(line)),
                    "a line starting '" + line + "' in\n" + r.out());
        }
        assertTrue(r.out().lines().anyMatch(l -> l.matches("commit [0-9a-f]{40}(-dirty)?")), r.out());
    }

    @Test
    void everyCommandAndSubcommandAnswersHelp() {
        for (String[] args : List.of(new String[] {"config", "show", "--help"}, new String[] {"config", "reference",
                "--help"}, new String[] {"registry", "list", "--help"}, new String[] {"import", "fashion-mnist", "--help"},
                new String[] {"train", "--help"}, new String[] {"predict", "--help"},
                new String[] {"serve", "--help"})) {
            Run r = inProcess(args);
            assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: spark-cnn " + args[0]), String.join(" ", args) + ": " + r.out());
        }
    }

    @Test
    void configReferencePrintsTheGeneratedReference() {
        Run r = inProcess("config", "reference");
        assertEquals(0, r.exit());
        assertEquals(ReferenceConf.render(), r.out());
    }

    @Test
    void configErrorsExitWithTwoAndNameTheKey() {
        Run wrongType = inProcess("config", "show", "--set", "data.image.width=wide");
        assertEquals(SparkCnn.EXIT_CONFIG, wrongType.exit());
        assertTrue(wrongType.err().contains("configuration error: data.image.width: must be an integer in [1, 8192], got \"wide\""),
                wrongType.err());

        Run unknown = inProcess("inspect", "--set", "data.badfiles.policy=skip");
        assertEquals(SparkCnn.EXIT_CONFIG, unknown.exit());
        assertTrue(unknown.err().contains("did you mean data.badFiles.policy?"), unknown.err());

        Run noLake = inProcess("inspect");
        assertEquals(SparkCnn.EXIT_CONFIG, noLake.exit());
        assertTrue(noLake.err().contains("data.train"), noLake.err());
    }

    @Test
    void configurationThatCannotMeanWhatItSaysExitsWithTwoBeforeSparkStarts() throws IOException {
        Path lake = tmp.resolve("lake");
        Images.writePng(lake.resolve("a/0.png"), 1);
        Run fraction = inProcess("config", "show", "--set", "train.epochs=1.5");
        assertEquals(SparkCnn.EXIT_CONFIG, fraction.exit(), fraction.out());
        assertTrue(fraction.err().contains("train.epochs: must be an integer in [1, 100000], got \"1.5\""), fraction.err());
        assertEquals(0, inProcess("config", "show", "--set", "train.epochs=2.0").exit(), "a whole number written 2.0");

        Run master = inProcess("config", "show", "--set", "spark.master=yarnx");
        assertEquals(SparkCnn.EXIT_CONFIG, master.exit(), master.out());
        assertTrue(master.err().contains("spark.master: must be empty, local, local[N]"), master.err());
        for (String ok : List.of("local[4]", "local[*]", "local[2,3]", "yarn", "spark://h1:7077,h2:7077",
                "k8s://https://api:6443", "local-cluster[2,1,1024]")) {
            assertEquals(0, inProcess("config", "show", "--set", "spark.master=" + ok).exit(), ok);
        }

        Run twice = inProcess("inspect", "--lake", lake.toString(), "--set", "data.train=" + tmp.resolve("other"));
        assertEquals(SparkCnn.EXIT_CONFIG, twice.exit(), twice.out());
        assertTrue(twice.err().contains("data.train: given twice with different values"), twice.err());

        Run noHeldOut = inProcess("train", "--lake", lake.toString(), "--set", "data.heldOutFraction=0");
        assertEquals(2, noHeldOut.exit(), "train has no --lake: a usage error");
        noHeldOut = inProcess("train", "--set", "data.train=" + lake, "--set", "data.heldOutFraction=0");
        assertEquals(SparkCnn.EXIT_CONFIG, noHeldOut.exit(), noHeldOut.out());
        assertTrue(noHeldOut.err().contains("data.heldOutFraction: 0 with no data.heldOut lake holds nothing out"),
                noHeldOut.err());
        Run retrain = inProcess("retrain", "--set", "data.train=" + lake, "--set", "data.heldOutFraction=0",
                "--set", "registry.dir=" + tmp.resolve("reg"));
        assertEquals(SparkCnn.EXIT_CONFIG, retrain.exit(), retrain.out());

        Run threads = inProcess("inspect", "--lake", lake.toString(), "--set", "train.threadsPerWorker=4",
                "--set", "spark.master=local[2]");
        assertEquals(SparkCnn.EXIT_CONFIG, threads.exit(), threads.out());
        assertTrue(threads.err().contains("train.threadsPerWorker: 4 cores per task, but spark.master = local[2] "
                + "runs 2"), threads.err());
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(2, inProcess("no-such-command").exit());
        assertEquals(2, inProcess("import", "fashion-mnist").exit(), "--out is required");
    }

    @Test
    void configShowPrintsTheResolvedConfig() throws IOException {
        Path conf = Files.writeString(tmp.resolve("job.conf"), "data.image { height = 64, width = 48 }\n");
        Run r = inProcess("config", "show", "--conf", conf.toString(), "--set", "seed=5");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("data.image.height = 64"), r.out());
        assertTrue(r.out().contains("data.image.width = 48"), r.out());
        assertTrue(r.out().contains("seed = 5"), r.out());
    }

    @Test
    void inspectPrintsTheLakeAndExitsThreeOnBadData() throws Exception {
        Path lake = tmp.resolve("lake");
        for (int i = 0; i < 3; i++) {
            Images.writePng(lake.resolve("shoe/" + i + ".png"), i);
            Images.writePng(lake.resolve("shirt/" + i + ".png"), 10 + i);
        }
        Run ok = inJvm("inspect", "--lake", lake.toString(), "--set", "output.dir=" + tmp.resolve("out"),
                "--set", "data.heldOutFraction=0.3");
        assertEquals(0, ok.exit(), ok.err());
        assertTrue(ok.out().contains("Classes:  2"), ok.out());
        assertTrue(ok.out().matches("(?s).*total\\s+\\d+\\s+\\d+.*"), ok.out());
        assertTrue(ok.out().contains("png 28x28 1ch 8-bit"), ok.out());
        assertTrue(ok.err().contains("Listed 6 files"), "progress in the driver log: " + ok.err());

        Images.write(lake.resolve("shirt/empty.png"), new byte[0]);
        Run bad = inJvm("inspect", "--lake", lake.toString(), "--set", "output.dir=" + tmp.resolve("out"));
        assertEquals(SparkCnn.EXIT_DATA, bad.exit(), bad.err());
        assertTrue(bad.err().contains("data error: 1 bad file(s) of 7"), bad.err());
        assertTrue(bad.err().contains("shirt/empty.png: empty file (0 bytes)"), bad.err());
        assertTrue(!bad.err().contains("\tat "), "no stack trace for a data error: " + bad.err());
    }

    @Test
    void trainPrintsHeldOutMetricsEvaluateReproducesThemAndAModelIsNeverOverwrittenSilently() throws Exception {
        Path lake = tmp.resolve("lake");
        for (int i = 0; i < 12; i++) {
            Images.writePng(lake.resolve("dark/" + i + ".png"), i % 3);
            Images.writePng(lake.resolve("light/" + i + ".png"), 100 + i % 3);
        }
        String[] common = {"--set", "data.train=" + lake, "--set", "output.dir=" + tmp.resolve("run"),
                "--set", "train.epochs=1", "--set", "train.batchSizePerWorker=4", "--set", "data.heldOutFraction=0.25"};
        List<String> trainArgs = new ArrayList<>(List.of("train"));
        trainArgs.addAll(List.of(common));
        Run trained = inJvm(trainArgs.toArray(String[]::new));
        assertEquals(0, trained.exit(), trained.err());
        assertTrue(trained.out().contains("held-out:"), trained.out());
        assertTrue(trained.err().contains("round 1/"), "a line per round in the driver log: " + trained.err());
        assertTrue(Files.exists(tmp.resolve("run/model/_SUCCESS")));
        String heldOutLine = trained.out().lines().filter(l -> l.startsWith("held-out:")).findFirst().orElseThrow();

        List<String> evalArgs = new ArrayList<>(List.of("evaluate", "--model", tmp.resolve("run/model").toString()));
        evalArgs.addAll(List.of(common));
        Run evaluated = inJvm(evalArgs.toArray(String[]::new));
        assertEquals(0, evaluated.exit(), evaluated.err());
        assertTrue(evaluated.out().contains(heldOutLine), "same numbers: " + heldOutLine + " vs " + evaluated.out());

        // A saved model scored on a held-out lake alone: no training lake needed.
        Run heldOutOnly = inJvm("evaluate", "--model", tmp.resolve("run/model").toString(), "--set",
                "data.heldOut=" + lake, "--set", "output.dir=" + tmp.resolve("eval"));
        assertEquals(0, heldOutOnly.exit(), heldOutOnly.err());
        assertTrue(heldOutOnly.out().startsWith("held-out: 24 images"), heldOutOnly.out());
        Run nothing = inJvm("evaluate", "--model", tmp.resolve("run/model").toString());
        assertEquals(SparkCnn.EXIT_CONFIG, nothing.exit());
        assertTrue(nothing.err().contains("data.heldOut"), nothing.err());

        Run again = inJvm(trainArgs.toArray(String[]::new));
        assertEquals(SparkCnn.EXIT_CONFIG, again.exit(), again.err());
        assertTrue(again.err().contains("already exists") && again.err().contains("--overwrite"), again.err());
    }

    @Test
    void serveAnswersOnThePortItPrintsAndAStopSignalEndsItCleanly() throws Exception {
        String root = tmp.resolve("registry").toString();
        RegistryFixtures.withChampion(root, "shoes");
        Process serve = new ProcessBuilder(command("serve", "--registry", root, "--model", "shoes", "--port", "0"))
                .redirectError(tmp.resolve("serve.err").toFile()).start();
        try {
            java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(
                    serve.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            assertTrue(first != null && first.startsWith("Serving shoes version v1 on http://127.0.0.1:"),
                    first + "\n" + Files.readString(tmp.resolve("serve.err")));
            String base = first.substring(first.indexOf("http://"), first.indexOf("/v2/"));
            java.net.http.HttpResponse<String> ready = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/v2/models/shoes/ready")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains("\"version\":\"v1\""), ready.body());
            serve.destroy(); // SIGTERM
            assertTrue(serve.waitFor(60, TimeUnit.SECONDS), "serve stops on SIGTERM");
            assertTrue(serve.exitValue() == 0 || serve.exitValue() == 143, "exit " + serve.exitValue());
            assertTrue(Files.readString(tmp.resolve("serve.err")).contains("Stopping: finishing the requests in flight"),
                    "the shutdown hook ran");
        } finally {
            serve.destroyForcibly();
        }
    }

    @Test
    void registryCommandsListShowPromoteAndRollBackWithoutSpark() throws IOException {
        String root = tmp.resolve("registry").toString();
        ModelRegistry r = RegistryFixtures.withChampion(root, "shoes", 2);
        String[] target = {"--registry", root, "--model", "shoes"};
        Run list = inProcess(cat(new String[] {"registry", "list"}, target));
        assertEquals(0, list.exit(), list.err());
        assertTrue(list.out().matches("(?s).*v1\\s+champion\\s+train.*v2\\s+candidate\\s+train.*"), list.out());

        Run promote = inProcess(cat(new String[] {"registry", "promote", "v2", "--reason", "looks good"}, target));
        assertEquals(0, promote.exit(), promote.err());
        assertTrue(promote.out().contains("v2 is the champion of shoes (was v1)"), promote.out());
        Run show = inProcess(cat(new String[] {"registry", "show"}, target));
        assertEquals(0, show.exit(), show.err());
        assertTrue(show.out().startsWith("v2 (champion) at ") && show.out().contains("promote  v2 (was v1)")
                && show.out().contains("looks good"), show.out());

        Run rollback = inProcess(cat(new String[] {"registry", "rollback"}, target));
        assertEquals(0, rollback.exit(), rollback.err());
        assertTrue(rollback.out().contains("v1 is the champion of shoes again (was v2)"), rollback.out());
        Run noEarlier = inProcess(cat(new String[] {"registry", "rollback"}, target));
        assertEquals(SparkCnn.EXIT_CONFIG, noEarlier.exit());
        assertTrue(noEarlier.err().contains("no earlier champion") && noEarlier.err().contains("v1 is its first"),
                noEarlier.err());
        Run missing = inProcess(cat(new String[] {"registry", "show", "v9"}, target));
        assertEquals(SparkCnn.EXIT_CONFIG, missing.exit());
        assertTrue(missing.err().contains("no version v9") && missing.err().contains("[v1, v2]"), missing.err());
        Run noRegistry = inProcess("registry", "list");
        assertEquals(SparkCnn.EXIT_CONFIG, noRegistry.exit());
        assertTrue(noRegistry.err().contains("registry.dir"), noRegistry.err());

        try (RegistryLock held = r.lock("retrain app-7", Duration.ofHours(1))) {
            Run locked = inProcess(cat(new String[] {"registry", "promote", "v2"}, target));
            assertEquals(SparkCnn.EXIT_LOCKED, locked.exit());
            assertTrue(locked.err().contains("locked: ") && locked.err().contains("retrain app-7"), locked.err());
        }
        assertEquals(1, r.champion().orElseThrow().number(), "a refused promotion changes nothing");
    }

    @Test
    void retrainExitsFiveWhenNothingIsNewAndSixWhenLocked() throws Exception {
        Path lake = tmp.resolve("lake");
        for (int i = 0; i < 12; i++) {
            Images.writePng(lake.resolve("dark/" + i + ".png"), i % 3);
            Images.writePng(lake.resolve("light/" + i + ".png"), 100 + i % 3);
        }
        String registry = tmp.resolve("registry").toString();
        String[] common = {"--set", "data.train=" + lake, "--set", "output.dir=" + tmp.resolve("run"),
                "--set", "train.epochs=1", "--set", "train.batchSizePerWorker=4", "--set", "data.heldOutFraction=0.25",
                "--set", "registry.dir=" + registry, "--set", "registry.model=tones"};
        Run trained = inJvm(cat(new String[] {"train"}, common));
        assertEquals(0, trained.exit(), trained.err());
        assertTrue(trained.out().contains("Registry: tones v1 (champion)"), trained.out());

        Run nothing = inJvm(cat(new String[] {"retrain"}, common));
        assertEquals(SparkCnn.EXIT_NOTHING_TO_DO, nothing.exit(), nothing.err());
        assertTrue(nothing.out().contains("retrain: nothing to do") && nothing.out().contains("champion v1 stays"),
                nothing.out());

        ModelRegistry r = ModelRegistry.open(registry, "tones", new org.apache.hadoop.conf.Configuration());
        try (RegistryLock held = r.lock("retrain app-other", Duration.ofHours(1))) {
            Run locked = inJvm(cat(new String[] {"retrain"}, common));
            assertEquals(SparkCnn.EXIT_LOCKED, locked.exit(), locked.err());
            assertTrue(locked.err().contains("locked: ") && locked.err().contains("retrain app-other")
                    && !locked.err().contains("\tat "), locked.err());
        }
    }

    private static String[] cat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
