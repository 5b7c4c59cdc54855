package io.sparkcnn.bench;

import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.RDDInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What a benchmark occupies: cached RDD bytes, bytes under a folder, this JVM's peak resident set. */
final class Footprint {
    private Footprint() {
    }

    /** Bytes Spark holds for an RDD, in memory and on disk; 0 when it is not cached. */
    static long cachedBytes(SparkSession spark, int rddId) {
        for (RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
            if (info.id() == rddId) {
                return info.memSize() + info.diskSize();
            }
        }
        return 0;
    }

    /** The sizes of the regular files under {@code dir}; 0 when it cannot be read. */
    static long bytesUnder(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            return 0;
        }
    }

    /** This JVM's peak resident set (VmHWM), in bytes; -1 where /proc/self/status does not say. */
    static long peakRss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
