package io.sparkcnn.data;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HeldOutSplitTest {
    private static String path(int i) {
        return "class" + (i % 7) + "/img_" + i + ".png";
    }

    @Test
    void holdsOutTheConfiguredFractionDeterministically() {
        HeldOutSplit split = new HeldOutSplit(42, 0.2);
        int heldOut = 0;
        for (int i = 0; i < 20_000; i++) {
            boolean h = split.isHeldOut(path(i));
            assertEquals(h, new HeldOutSplit(42, 0.2).isHeldOut(path(i)), "same path, seed and fraction");
            heldOut += h ? 1 : 0;
        }
        // Binomial(20000, 0.2): sd = 57; 5 sd either side.
        assertTrue(Math.abs(heldOut - 4000) < 285, "held out " + heldOut + " of 20000");
    }

    @Test
    void addingFilesNeverMovesAnOldFileAcrossTheSplit() {
        HeldOutSplit split = new HeldOutSplit(7, 0.1);
        Map<String, Boolean> before = new HashMap<>();
        for (int i = 0; i < 5_000; i++) {
            before.put(path(i), split.isHeldOut(path(i)));
        }
        // The assignment is a function of the path alone: evaluate with many new files listed first.
        for (int i = 5_000; i < 10_000; i++) {
            split.isHeldOut(path(i));
        }
        before.forEach((p, h) -> assertEquals(h, split.isHeldOut(p), p));
    }

    @Test
    void anotherSeedGivesAnotherSplit() {
        HeldOutSplit a = new HeldOutSplit(1, 0.5);
        HeldOutSplit b = new HeldOutSplit(2, 0.5);
        int differ = 0;
        for (int i = 0; i < 1_000; i++) {
            differ += a.isHeldOut(path(i)) != b.isHeldOut(path(i)) ? 1 : 0;
        }
        assertTrue(differ > 400 && differ < 600, "about half differ: " + differ);
        assertNotEquals(a.unitHash("x"), b.unitHash("x"));
    }

    @Test
    void zeroFractionHoldsOutNothingAndFractionIsChecked() {
        HeldOutSplit none = new HeldOutSplit(3, 0.0);
        for (int i = 0; i < 1_000; i++) {
            assertTrue(!none.isHeldOut(path(i)));
        }
        assertThrows(IllegalArgumentException.class, () -> new HeldOutSplit(3, 1.0));
        assertThrows(IllegalArgumentException.class, () -> new HeldOutSplit(3, Double.NaN));
    }
}
