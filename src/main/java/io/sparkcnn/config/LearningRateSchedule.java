package io.sparkcnn.config;

/** How the learning rate changes from epoch to epoch (see {@code train.learningRateSchedule}). */
public enum LearningRateSchedule {
    CONSTANT, STEP, EXPONENTIAL, LINEAR, COSINE;

    public static LearningRateSchedule fromConfig(String value) {
        return ConfigName.parse(Settings.TRAIN_LEARNING_RATE_SCHEDULE, value, LearningRateSchedule.class);
    }

    public String configName() {
        return ConfigName.of(this);
    }
}
