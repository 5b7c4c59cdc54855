package io.sparkcnn.spark.ml;

import io.sparkcnn.config.Settings;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The estimator's Params take their defaults, meaning and validation from the settings' declarations. */
class CnnClassifierParamsTest {
    @Test
    void defaultsAreTheDeclaredOnes() {
        CnnClassifier c = new CnnClassifier();
        assertEquals(Settings.MODEL_ARCHITECTURE.defaultValue(), c.getOrDefault(c.architecture()));
        assertEquals(Settings.TRAIN_EPOCHS.defaultValue(), c.getOrDefault(c.epochs()));
        assertEquals(Settings.TRAIN_BATCH_SIZE_PER_WORKER.defaultValue(), c.getOrDefault(c.batchSizePerWorker()));
        assertEquals(Settings.TRAIN_LEARNING_RATE.defaultValue(), c.getOrDefault(c.learningRate()));
        assertEquals(Settings.DATA_HELD_OUT_FRACTION.defaultValue(), c.getOrDefault(c.heldOutFraction()));
        assertEquals(Settings.SEED.defaultValue(), c.getOrDefault(c.seed()));
        assertEquals(Settings.IMAGE_CHANNELS.defaultValue(), c.getOrDefault(c.imageChannels()));
    }

    @Test
    void validationAndDocsAreTheSettingsOwn() {
        CnnClassifier c = new CnnClassifier();
        assertEquals(true, c.architecture().isValid().apply("resnet"));
        assertEquals(false, c.architecture().isValid().apply("vgg"));
        assertEquals(false, c.imageHeight().isValid().apply(Settings.IMAGE_HEIGHT.defaultValue() * 1000),
                "above the declared max");
        assertEquals(false, c.imageChannels().isValid().apply(2));
        assertThrows(IllegalArgumentException.class, () -> c.setEpochs(0));
        assertTrue(c.epochs().doc().startsWith("train.epochs: " + Settings.TRAIN_EPOCHS.doc()), c.epochs().doc());
    }
}
