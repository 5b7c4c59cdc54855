package io.sparkcnn.spark.training;

import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.EarlyStoppingConfig;
import io.sparkcnn.config.HeldOutMetric;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.config.TrainingStrategy;
import io.sparkcnn.eval.Metrics;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EarlyStoppingTest {
    private static Metrics metrics(double loss, double accuracy) {
        return new Metrics(List.of("a", "b"), 10, loss, accuracy, accuracy, new double[2], new double[2],
                new double[2], new long[2][2]);
    }

    private static List<Metrics> accuracies(double... values) {
        List<Metrics> out = new ArrayList<>();
        for (double v : values) {
            out.add(metrics(1 - v, v));
        }
        return out;
    }

    @Test
    void stopsAfterPatienceEpochsWithoutImprovementAndNamesTheBest() {
        EarlyStoppingConfig c = new EarlyStoppingConfig(HeldOutMetric.ACCURACY, 2, 0.0);
        assertFalse(EarlyStopping.decide(c, accuracies(0.5, 0.6, 0.6), 10).stop(), "one epoch without improvement");
        EarlyStopping s = EarlyStopping.decide(c, accuracies(0.5, 0.6, 0.6, 0.59), 10);
        assertTrue(s.stop());
        assertEquals(2, s.bestEpoch(), "a tie does not improve: the first of equals stays the best");
        assertTrue(s.reason().startsWith("stopped early after epoch 4 of 10: held-out accuracy did not improve"),
                s.reason());
        assertTrue(s.reason().contains("best epoch 2 (held-out accuracy 0.6000)"), s.reason());
        EarlyStopping improved = EarlyStopping.decide(c, accuracies(0.5, 0.6, 0.6, 0.7), 10);
        assertFalse(improved.stop());
        assertEquals(4, improved.bestEpoch());
    }

    @Test
    void minDeltaAndTheDirectionOfLoss() {
        EarlyStoppingConfig delta = new EarlyStoppingConfig(HeldOutMetric.ACCURACY, 1, 0.05);
        EarlyStopping small = EarlyStopping.decide(delta, accuracies(0.5, 0.54), 10);
        assertTrue(small.stop(), "0.04 is not more than minDelta 0.05");
        assertEquals(1, small.bestEpoch());
        EarlyStoppingConfig loss = new EarlyStoppingConfig(HeldOutMetric.LOSS, 1, 0.0);
        List<Metrics> h = List.of(metrics(0.9, 0.1), metrics(0.5, 0.1), metrics(0.6, 0.9));
        EarlyStopping s = EarlyStopping.decide(loss, h, 10);
        assertEquals(2, s.bestEpoch(), "lower loss is better, whatever the accuracy");
        assertTrue(s.stop());
        List<Metrics> nan = List.of(metrics(0.9, 0.1), metrics(Double.NaN, 0.1));
        assertEquals(1, EarlyStopping.decide(loss, nan, 10).bestEpoch(), "a NaN loss never improves");
    }

    @Test
    void offRunsEveryEpochAndKeepsTheLast() {
        EarlyStopping s = EarlyStopping.decide(EarlyStoppingConfig.OFF, accuracies(0.9, 0.1, 0.1, 0.1), 4);
        assertFalse(s.stop());
        assertEquals(4, s.bestEpoch());
        assertEquals("train.epochs = 4 reached", s.reason());
    }

    @Test
    void settingsAreCheckedAndTheStockStrategyRefusesThem() {
        EarlyStoppingConfig read = JobConfigLoader.load(Optional.empty(), List.of("train.earlyStopping.metric=macro-f1",
                "train.earlyStopping.patience=5", "train.earlyStopping.minDelta=0.001")).train().earlyStopping();
        assertEquals(new EarlyStoppingConfig(HeldOutMetric.MACRO_F1, 5, 0.001), read);
        ConfigException wrong = assertThrows(ConfigException.class, () -> JobConfigLoader.load(Optional.empty(),
                List.of("train.earlyStopping.metric=f1")));
        assertEquals("train.earlyStopping.metric", wrong.key());
        ConfigException patience = assertThrows(ConfigException.class, () -> JobConfigLoader.load(Optional.empty(),
                List.of("train.earlyStopping.patience=0")));
        assertEquals("train.earlyStopping.patience", patience.key());
        ConfigException stock = assertThrows(ConfigException.class, () -> JobConfigLoader.load(Optional.empty(),
                List.of("train.earlyStopping.metric=loss", "train.strategy=dl4j-stock")));
        // The Spark 4 build has no dl4j-stock at all, and says so first.
        assertEquals(TrainingStrategy.DL4J_STOCK.available() ? "train.earlyStopping.metric" : "train.strategy",
                stock.key());
        assertTrue(stock.getMessage().contains("averaging"), stock.getMessage());
    }
}
