package io.sparkcnn.kernels;

import io.sparkcnn.config.Architecture;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.config.UpdaterKind;
import io.sparkcnn.model.Architectures;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JVM started without {@code --add-modules=jdk.incubator.vector} (a spark-submit without
 * conf/java17.flags) trains with the scalar pooling planes, says so in its log, and computes exactly what
 * this test JVM, which has the module, computes with the vector planes.
 */
class ScalarPlanesFallbackTest {
    @TempDir
    Path tmp;

    /** Two training steps and an inference of the seed CNN; prints whether the planes ran in lanes, and hashes. */
    public static void main(String[] args) {
        System.out.println(run());
    }

    static String run() {
        InputShape shape = new InputShape(1, 28, 28);
        Network net = Architectures.build(TrainConfig.of(Architecture.SEED_CNN, UpdaterKind.ADAM, 1e-3, 32), shape,
                10, 42).build();
        DataSet batch = CpuKernelsTest.batch(shape, 10, 32, 5);
        net.fit(batch);
        net.fit(batch);
        INDArray output = net.output(batch.getFeatures());
        return "vector=" + FusedMaxPooling.VECTOR + " params=" + bitsHash(net.params()) + " output="
                + bitsHash(output);
    }

    private static int bitsHash(INDArray a) {
        float[] f = a.data().asFloat();
        int[] bits = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            bits[i] = Float.floatToRawIntBits(f[i]);
        }
        return Arrays.hashCode(bits);
    }

    @Test
    void aJvmWithoutTheVectorModuleRunsTheScalarPlanesToTheSameBits() throws IOException, InterruptedException {
        String here = run();
        assertTrue(here.startsWith("vector=true"), here);

        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.contains("jdk.incubator.vector") && !a.startsWith("-javaagent")).toList());
        cmd.add("-Dlog4j2.configurationFile=" + Path.of("conf/log4j2.properties").toAbsolutePath());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ScalarPlanesFallbackTest.class.getName()));
        Path out = tmp.resolve("out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "the probe JVM finished");
        String log = Files.readString(out);
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("max pooling planes run in scalar code: this JVM was started without "
                + "--add-modules=jdk.incubator.vector"), log);
        String there = log.lines().filter(l -> l.startsWith("vector=")).findFirst().orElse("no result line");
        assertEquals(here.replace("vector=true", "vector=false"), there, log);
    }
}
