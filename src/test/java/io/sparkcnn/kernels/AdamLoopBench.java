package io.sparkcnn.kernels;

import io.sparkcnn.bench.Medians;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Benchmark of {@link JavaAdam}'s update loop, for scripts/bench-core.sh: the scalar loop against the SIMD one
 * ({@link VectorAdam}) over the parameter counts of the benchmark's networks (the seed CNN's order, MobileNetV2's,
 * ResNet-18's), alternating the two, medians of the per-pair milliseconds. Prints a table and one JSON line per
 * size. Needs the JVM's Vector API module (conf/java17.flags).
 */
public final class AdamLoopBench {
    private AdamLoopBench() {
    }

    public static void main(String[] args) {
        if (!VectorApi.PRESENT) {
            throw new IllegalStateException("start the JVM with --add-modules=jdk.incubator.vector");
        }
        System.out.printf("%12s %12s %12s %8s%n", "parameters", "scalar ms", "lanes ms", "speed-up");
        for (int n : new int[] {100_000, 2_200_000, 11_200_000}) {
            ByteBuffer g = floats(n);
            ByteBuffer m = floats(n);
            ByteBuffer u = floats(n);
            for (int i = 0; i < n; i++) {
                u.putFloat(4 * i, 1e-4f);
            }
            List<Double> scalar = new ArrayList<>();
            List<Double> lanes = new ArrayList<>();
            int reps = Math.max(10, 200_000_000 / n);
            for (int r = 0; r < reps; r++) {
                refill(g, r);
                long t0 = System.nanoTime();
                JavaAdam.step(g.asFloatBuffer(), m.asFloatBuffer(), u.asFloatBuffer(), n, 0.9f, 0.999f, 1e-3f,
                        1e-8f);
                long t1 = System.nanoTime();
                refill(g, r);
                long t2 = System.nanoTime();
                VectorAdam.step(g, m, u, n, 0.9f, 0.999f, 1e-3f, 1e-8f);
                long t3 = System.nanoTime();
                if (r >= reps / 2) { // the first half warms the JIT up
                    scalar.add((t1 - t0) / 1e6);
                    lanes.add((t3 - t2) / 1e6);
                }
            }
            double s = Medians.of(scalar);
            double v = Medians.of(lanes);
            System.out.printf("%12d %12.3f %12.3f %7.2fx%n", n, s, v, s / v);
            System.out.printf("{\"parameters\":%d,\"scalarMs\":%.4f,\"lanesMs\":%.4f}%n", n, s, v);
        }
    }

    private static ByteBuffer floats(int n) {
        return ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder());
    }

    /** A fresh gradient (the loop overwrites it with the step). */
    private static void refill(ByteBuffer g, int r) {
        int n = g.capacity() / 4;
        for (int i = 0; i < n; i++) {
            g.putFloat(4 * i, ((i * 31 + r) % 1000 - 500) * 1e-4f);
        }
    }
}
