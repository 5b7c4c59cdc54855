package io.sparkcnn.bench;

import java.util.ArrayList;
import java.util.List;

/** The median the benchmarks report of their interleaved rounds (the mean of the middle two for an even count). */
public final class Medians {
    private Medians() {
    }

    public static double of(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
