package io.sparkcnn.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Spark's local-cluster master (separate worker and executor JVMs, from a JUnit test or a benchmark) for this
 * build: it starts its workers from a Spark home, so an empty one is made under {@code home}, and the executors
 * get this build's classes instead ({@link #executorClassPath}, for spark.executor.extraClassPath).
 */
public final class LocalClusterHome {
    private LocalClusterHome() {
    }

    /** Prepares {@code home} as the Spark home local-cluster uses; returns the executors' class path. */
    public static String prepare(Path home) throws IOException {
        Files.createDirectories(home.resolve("jars"));
        Files.createDirectories(home.resolve("launcher/target/scala-" + System.getProperty("scala.binary.version",
                "2.12")));
        System.setProperty("spark.testing", "true");
        System.setProperty("spark.test.home", home.toString());
        Path build = Path.of(System.getProperty("build.dir", "target")).toAbsolutePath();
        return build.resolve("test-classes") + ":" + build.resolve("classes") + ":"
                + Files.readString(build.resolve("launcher.classpath")).trim();
    }
}
