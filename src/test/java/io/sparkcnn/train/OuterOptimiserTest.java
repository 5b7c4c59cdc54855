package io.sparkcnn.train;

import io.sparkcnn.config.Architecture;
import io.sparkcnn.config.AveragingConfig;
import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.EarlyStoppingConfig;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.config.TrainingStrategy;
import io.sparkcnn.config.UpdaterKind;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OuterOptimiserTest {
    @Test
    void rateOneWithoutMomentumIsThePlainMeanItself() {
        OuterOptimiser plain = new OuterOptimiser(1.0, 0.0);
        float[] mean = {0.1f, -2f};
        assertSame(mean, plain.step(new float[] {1f, 1f}, mean), "the mean as computed, not start - (start - mean)");
        assertNull(plain.velocity());
    }

    @Test
    void nesterovStepsAlongTheMergedChangeAndRemembersItsVelocity() {
        OuterOptimiser outer = new OuterOptimiser(0.5, 0.9);
        // Round 1: g = start - mean = 1, v = 1, next = start - 0.5 * (1 + 0.9 * 1) = 2 - 0.95.
        float[] next = outer.step(new float[] {2f}, new float[] {1f});
        assertEquals(1.05f, next[0], 1e-6f);
        assertArrayEquals(new float[] {1f}, outer.velocity());
        // Round 2: g = 1, v = 0.9 + 1 = 1.9, next = start - 0.5 * (1 + 0.9 * 1.9) = 1.05 - 1.355.
        next = outer.step(next, new float[] {0.05f});
        assertEquals(-0.305f, next[0], 1e-6f);

        OuterOptimiser resumed = new OuterOptimiser(0.5, 0.9);
        OuterOptimiser undisturbed = new OuterOptimiser(0.5, 0.9);
        float[] a = undisturbed.step(new float[] {3f, 1f}, new float[] {2f, 1.5f});
        resumed.restore(undisturbed.velocity());
        assertArrayEquals(undisturbed.step(a, new float[] {1f, 1f}), resumed.step(a, new float[] {1f, 1f}), 0f,
                "a restored velocity continues exactly");
    }

    @Test
    void aChosenFrequencyIsAtLeastTwentyAndFillsTheRound() {
        AveragingConfig averaging = new AveragingConfig(0, 1.0, true, 1.0, 0.0);
        assertEquals(20, averaging.frequencyFor(0.2, 0.01), "slow minibatches: dl4j-spark's K");
        assertEquals(250, averaging.frequencyFor(0.004, 0.01), "a second of fitting");
        assertEquals(90, averaging.frequencyFor(0.2, 2.0), "2 s besides the tasks: 18 s of fitting");
        assertEquals(1_000_000, averaging.frequencyFor(0, 0), "capped at the largest K allowed");
    }

    @Test
    void outerSettingsAreCheckedAndRefusedWithTheStockStrategy() {
        ConfigException momentum = assertThrows(ConfigException.class, () -> JobConfigLoader.load(Optional.empty(),
                List.of("train.outerMomentum=1.0")));
        assertEquals("train.outerMomentum", momentum.key());
        TrainConfig t = TrainConfig.of(Architecture.SEED_CNN, UpdaterKind.ADAM, 0.001, 32);
        ConfigException stock = assertThrows(ConfigException.class, () -> new TrainConfig(t.architecture(), t.stem(),
                t.optimiser(), 32, TrainingStrategy.DL4J_STOCK, 5, 0, 1, new AveragingConfig(20, 1.0, true, 0.7, 0.0),
                3600, 256, EarlyStoppingConfig.OFF, null));
        assertEquals("train.outerLearningRate", stock.key(), stock.getMessage());
    }
}
