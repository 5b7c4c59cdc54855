package io.sparkcnn;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The package rules the package docs state, checked on the sources so that they stay true. */
class PackageStructureTest {
    private static final Path MAIN = Path.of("src/main/java/io/sparkcnn");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?([\\w.]+)", Pattern.MULTILINE);

    @Test
    void onlyTheSparkLayerImportsSpark() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Path file : sources(MAIN)) {
            boolean importsSpark = imports(file).stream()
                    .anyMatch(i -> i.startsWith("org.apache.spark") || i.startsWith("scala."));
            if (!file.startsWith(MAIN.resolve("spark")) && importsSpark) {
                offenders.add(MAIN.relativize(file).toString());
            }
        }
        assertEquals(List.of(), offenders, "files outside io.sparkcnn.spark that import Spark");
    }

    @Test
    void theCommandLineReachesSparkOnlyThroughTheJobs() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (Path file : sources(MAIN.resolve("cli"))) {
            for (String i : imports(file)) {
                if (i.startsWith("io.sparkcnn.spark.") && !i.startsWith("io.sparkcnn.spark.job.")) {
                    offenders.add(MAIN.relativize(file) + " imports " + i);
                }
            }
        }
        assertEquals(List.of(), offenders);
    }

    @Test
    void theCpuKernelsHaveOneEntryPoint() throws IOException {
        List<String> publicTypes = new ArrayList<>();
        Pattern topLevel = Pattern.compile("^public (?:final |abstract )*(?:class|record|interface|enum) (\\w+)",
                Pattern.MULTILINE);
        for (Path file : sources(MAIN.resolve("kernels"))) {
            Matcher m = topLevel.matcher(Files.readString(file));
            while (m.find()) {
                publicTypes.add(m.group(1));
            }
        }
        assertEquals(List.of("CpuKernels"), publicTypes);
    }

    @Test
    void theNetworkDefinitionsDoNotReachIntoTheKernels() throws IOException {
        for (Path file : sources(MAIN.resolve("model"))) {
            for (String i : imports(file)) {
                assertFalse(i.startsWith("io.sparkcnn.kernels.") && !i.equals("io.sparkcnn.kernels.CpuKernels"),
                        file + " imports " + i);
            }
        }
    }

    private static List<Path> sources(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
    }

    private static List<String> imports(Path file) throws IOException {
        List<String> imports = new ArrayList<>();
        Matcher m = IMPORT.matcher(Files.readString(file));
        while (m.find()) {
            imports.add(m.group(1));
        }
        return imports;
    }
}
