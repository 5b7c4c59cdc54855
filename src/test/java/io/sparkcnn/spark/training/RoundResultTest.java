package io.sparkcnn.spark.training;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RoundResultTest {
    private static byte[] bytes(RoundResult r) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(b)) {
            out.writeObject(r);
        }
        return b.toByteArray();
    }

    private static RoundResult read(byte[] bytes) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return (RoundResult) in.readObject();
        }
    }

    private static float[] randoms(int n, long seed) {
        Random r = new Random(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) r.nextGaussian();
        }
        return f;
    }

    @Test
    void oneWorkersResultTravelsAsFloatsWithoutLoss() throws Exception {
        float[] params = randoms(10_000, 1);
        float[] state = randoms(20_000, 2);
        RoundResult one = new RoundResult().add(0, params, state, true, 1.5, 3, 96);
        byte[] wire = bytes(one);
        assertTrue(wire.length < 4 * 30_000 + 2_000, "floats on the wire: " + wire.length + " bytes");
        RoundResult back = read(wire);
        assertArrayEquals(one.paramSum, back.paramSum, 0.0);
        assertArrayEquals(one.stateSum, back.stateSum, 0.0);
        assertEquals(1, back.workers);
        assertEquals(96, back.images);
    }

    @Test
    void mergedResultsKeepTheirDoubleSums() throws Exception {
        RoundResult merged = new RoundResult().add(0, randoms(1000, 3), randoms(2000, 4), true, 1, 1, 32)
                .merge(new RoundResult().add(1, randoms(1000, 5), randoms(2000, 6), true, 1, 1, 32));
        RoundResult back = read(bytes(merged));
        assertArrayEquals(merged.paramSum, back.paramSum, 0.0);
        assertArrayEquals(merged.stateSum, back.stateSum, 0.0);
        assertEquals(2, back.workers);
        RoundResult empty = read(bytes(new RoundResult()));
        assertEquals(0, empty.workers);
        assertEquals(null, empty.paramSum);
    }
}
