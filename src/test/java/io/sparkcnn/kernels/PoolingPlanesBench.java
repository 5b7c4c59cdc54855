package io.sparkcnn.kernels;

import io.sparkcnn.bench.Medians;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Benchmark of {@link FusedMaxPooling}'s inference planes, for scripts/bench-core.sh: one seed CNN image's
 * convolution output (32 planes of 26x26) pooled after bias and ReLU (what training does, and inference did)
 * against pooled first ({@link FusedMaxPooling#start} with the output unread), in SIMD lanes, alternating the
 * two, medians of the per-pair microseconds per image. Prints one line and one JSON line. The script runs it as
 * the JVM runs and held to 256-bit vectors ({@code -XX:UseAVX=2}, as on an AVX2 CPU).
 */
public final class PoolingPlanesBench {
    private PoolingPlanesBench() {
    }

    public static void main(String[] args) {
        if (!VectorApi.PRESENT) {
            throw new IllegalStateException("start the JVM with --add-modules=jdk.incubator.vector");
        }
        int channels = 32;
        int side = 26;
        int plane = side * side;
        Nd4j.getRandom().setSeed(3);
        INDArray output = Nd4j.rand(DataType.FLOAT, 1, channels, side, side).subi(0.5);
        LayerWorkspaceMgr none = LayerWorkspaceMgr.noWorkspaces();
        FusedMaxPooling after = new FusedMaxPooling(true);
        FusedMaxPooling first = new FusedMaxPooling(true);
        INDArray unread = output.dup(); // referenced to the end: the poolings hold only its memory's address
        after.start(output, false, false, none);
        first.start(unread, false, true, none);
        List<Double> afterTimes = new ArrayList<>();
        List<Double> firstTimes = new ArrayList<>();
        int images = 2000;
        for (int r = 0; r < 40; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < images; i++) {
                for (int c = 0; c < channels; c++) {
                    after.plane(c * plane, side, side, 0.1f, c);
                }
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < images; i++) {
                for (int c = 0; c < channels; c++) {
                    first.plane(c * plane, side, side, 0.1f, c);
                }
            }
            long t2 = System.nanoTime();
            if (r >= 10) { // the first rounds warm the JIT up
                afterTimes.add((t1 - t0) / 1e3 / images);
                firstTimes.add((t2 - t1) / 1e3 / images);
            }
        }
        after.finish(output);
        first.finish(unread);
        double a = Medians.of(afterTimes);
        double f = Medians.of(firstTimes);
        System.out.printf("%-14s %s lanes: pooled after bias and ReLU %.2f us per image, pooled first %.2f us "
                + "(%.2fx)%n", args.length > 0 ? args[0] : "", jdk.incubator.vector.FloatVector.SPECIES_PREFERRED
                .vectorBitSize(), a, f, a / f);
        System.out.printf("{\"vectorBits\":%d,\"afterMicros\":%.3f,\"firstMicros\":%.3f}%n",
                jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize(), a, f);
    }
}
