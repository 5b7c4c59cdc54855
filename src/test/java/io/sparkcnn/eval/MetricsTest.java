package io.sparkcnn.eval;

import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Held-out metrics on a split that lacks a class. */
class MetricsTest {
    private static Metrics perfectOnTwoOfThreeClasses() {
        Evaluation eval = new Evaluation(3);
        float[][] truth = {{1, 0, 0}, {0, 1, 0}, {1, 0, 0}, {0, 1, 0}};
        eval.eval(Nd4j.createFromArray(truth), Nd4j.createFromArray(truth));
        return Metrics.of(eval, List.of("cat", "dog", "horse"), 0.1);
    }

    @Test
    void macroF1CountsOnlyTheClassesTheHeldOutImagesHave() {
        Metrics m = perfectOnTwoOfThreeClasses();
        assertEquals(1.0, m.accuracy());
        assertEquals(1.0, m.macroF1(), "a perfect classifier is not 0.667 because horse has no held-out image");
        assertEquals(List.of("horse"), m.absentClasses());
        assertEquals(List.of("horse"), m.toMap().get("classesAbsent"));
        assertTrue(m.table().startsWith("held-out: 4 images, loss 0.1000, accuracy 1.0000, macro F1 1.0000 (over the 2 "
                + "classes present; no held-out image of [horse])"), m.table());
    }

    @Test
    void aWrongAnswerStillCostsMacroF1() {
        Evaluation eval = new Evaluation(3);
        eval.eval(Nd4j.createFromArray(new float[][] {{1, 0, 0}, {0, 1, 0}}),
                Nd4j.createFromArray(new float[][] {{1, 0, 0}, {1, 0, 0}}));
        Metrics m = Metrics.of(eval, List.of("cat", "dog", "horse"), 0.1);
        // cat: precision 0.5, recall 1, F1 2/3; dog: F1 0; horse absent.
        assertEquals((2.0 / 3 + 0) / 2, m.macroF1(), 1e-12);
        assertTrue(m.table().contains("classes present"), m.table());
    }
}
