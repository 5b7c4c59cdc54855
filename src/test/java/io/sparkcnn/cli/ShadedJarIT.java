package io.sparkcnn.cli;

import io.sparkcnn.testing.Java17Flags;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shaded jar that spark-submit ships (run by failsafe after {@code package}): it leaves Spark and
 * Hadoop to the cluster, and ND4J's CPU backend still loads from it, which needs the merged
 * META-INF/services files.
 */
class ShadedJarIT {
    private static final Path JAR = Path.of(System.getProperty("shaded.jar", "target/none.jar"));

    @Test
    void leavesSparkAndHadoopToTheClusterAndMergesNd4jServices() throws IOException {
        assertTrue(Files.isRegularFile(JAR), "shaded jar built at " + JAR);
        try (JarFile jar = new JarFile(JAR.toFile())) {
            assertNull(jar.getEntry("org/apache/spark/SparkContext.class"), "Spark is provided");
            assertNull(jar.getEntry("org/apache/hadoop/conf/Configuration.class"), "Hadoop is provided");
            assertNull(jar.getEntry("scala/Option.class"), "Scala is provided");
            assertNotNull(jar.getEntry("io/sparkcnn/cli/SparkCnn.class"));
            // dl4j-spark (the dl4j-stock strategy) exists only for Scala 2.12: in the Spark 3.5 build only.
            boolean dl4jSpark = jar.getEntry("org/deeplearning4j/spark/impl/multilayer/SparkDl4jMultiLayer.class") != null;
            assertEquals("2.12".equals(System.getProperty("scala.binary.version", "2.12")), dl4jSpark);
            var services = jar.getEntry("META-INF/services/org.nd4j.linalg.factory.Nd4jBackend");
            assertNotNull(services);
            String text = new String(jar.getInputStream(services).readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(text.contains("org.nd4j.linalg.cpu.nativecpu.CpuBackend"), text);
            assertEquals("io.sparkcnn.cli.SparkCnn", jar.getManifest().getMainAttributes().getValue("Main-Class"));
        }
    }

    @Test
    void nd4jBackendLoadsAndComputesFromTheShadedJar() throws Exception {
        // What a Spark installation provides: the provided-scope jars (Spark, Hadoop, Scala) and slf4j.
        List<String> sparkJars = new ArrayList<>(Arrays.asList(Files.readString(
                Path.of(System.getProperty("provided.classpath"))).trim().split(File.pathSeparator)));
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> p.contains("/org/slf4j/slf4j-api/")).forEach(sparkJars::add);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Java17Flags.read());
        cmd.addAll(List.of("-cp", JAR + File.pathSeparator + String.join(File.pathSeparator, sparkJars),
                "io.sparkcnn.cli.SparkCnn", "env"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("nd4j.backend org.nd4j.linalg.cpu.nativecpu.CpuBackend"), out);
        assertTrue(out.contains("[[7.0000,10.0000],[15.0000,22.0000]]"), "ND4J computes: " + out);
        assertTrue(Arrays.stream(out.split("\n")).noneMatch(l -> l.contains("Exception")),
                out.lines().filter(l -> l.contains("Exception")).collect(Collectors.joining("\n")));
    }
}
