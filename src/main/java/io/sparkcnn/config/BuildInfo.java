package io.sparkcnn.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * What this process runs: spark-cnn's version and commit (from {@code spark-cnn-git.properties}, which the build
 * writes), and the versions of the stack beneath it, read from the libraries' own Maven descriptors on the
 * classpath, so that a cluster's Spark reports its own version, not the one spark-cnn was built against.
 */
public final class BuildInfo {
    private static final Properties GIT = load("/spark-cnn-git.properties");
    /** The CPU flags that decide which SIMD code runs (ND4J's builds, OpenBLAS kernels, the Vector API). */
    private static final List<String> CPU_FLAGS = List.of("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw",
            "avx512vl", "avx512_vnni", "avx512_bf16", "amx_tile");

    private BuildInfo() {
    }

    /** The project version: the jar manifest's, else the build's, else "dev". */
    public static String version() {
        String v = BuildInfo.class.getPackage().getImplementationVersion();
        if (v == null) {
            v = GIT.getProperty("git.build.version");
        }
        return v == null ? "dev" : v;
    }

    /** The commit the classes were built from, with "-dirty" for uncommitted changes; "unknown" outside git. */
    public static String commit() {
        String id = GIT.getProperty("git.commit.id.full", "");
        if (id.isBlank()) {
            return "unknown";
        }
        return "true".equals(GIT.getProperty("git.dirty")) ? id + "-dirty" : id;
    }

    /** Component name to version, in the order {@code env} prints them; "absent" when not on the classpath. */
    public static Map<String, String> components() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("spark-cnn", version());
        c.put("commit", commit());
        c.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        c.put("spark", sparkVersion());
        c.put("scala", load("/library.properties").getProperty("version.number", "absent"));
        c.put("hadoop", maven("org.apache.hadoop", "hadoop-client-api"));
        c.put("deeplearning4j", maven("org.deeplearning4j", "deeplearning4j-nn"));
        c.put("dl4j-spark", maven("org.deeplearning4j", "dl4j-spark_2.12"));
        c.put("nd4j", maven("org.nd4j", "nd4j-api"));
        c.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        c.put("cpus", String.valueOf(Runtime.getRuntime().availableProcessors()));
        return c;
    }

    /** The Spark on the classpath (spark-core for Scala 2.12 or 2.13); "absent" without one. */
    public static String sparkVersion() {
        String v = maven("org.apache.spark", "spark-core_2.12");
        return v.equals("absent") ? maven("org.apache.spark", "spark-core_2.13") : v;
    }

    /** What /proc/cpuinfo says of the first CPU: vendor_id, model name and flags. */
    public record CpuInfo(String vendor, String model, Set<String> flags) {
    }

    /** This machine's {@link CpuInfo}; empty where /proc/cpuinfo cannot be read (not Linux). */
    public static java.util.Optional<CpuInfo> cpuInfo() {
        try {
            String vendor = "";
            String model = "";
            Set<String> flags = new TreeSet<>();
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (key.equals("vendor_id") && vendor.isEmpty()) {
                    vendor = value;
                } else if (key.equals("model name") && model.isEmpty()) {
                    model = value;
                } else if (key.equals("flags") && flags.isEmpty()) {
                    flags.addAll(List.of(value.split("\\s+")));
                }
            }
            return java.util.Optional.of(new CpuInfo(vendor, model, flags));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    /** The CPU's model name and its SIMD flags that matter here, from /proc/cpuinfo (Linux); empty elsewhere. */
    public static Map<String, String> cpu() {
        Map<String, String> c = new LinkedHashMap<>();
        cpuInfo().ifPresent(info -> {
            c.put("cpu.model", info.model());
            c.put("cpu.simd", String.join(" ", CPU_FLAGS.stream().filter(info.flags()::contains).toList()));
        });
        c.put("jvm.vectorApi", ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                ? "on (--add-modules=jdk.incubator.vector)" : "off (the pooling planes run in scalar code)");
        return c;
    }

    private static String maven(String group, String artifact) {
        return load("/META-INF/maven/" + group + "/" + artifact + "/pom.properties").getProperty("version", "absent");
    }

    private static Properties load(String resource) {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(resource)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // An unreadable descriptor reads as absent.
        }
        return p;
    }
}
