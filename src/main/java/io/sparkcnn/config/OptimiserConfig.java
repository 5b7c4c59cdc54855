package io.sparkcnn.config;

import java.io.Serializable;

/**
 * How each worker optimises the network: the updater, its learning rate and how that rate changes per epoch,
 * decoupled weight decay and label smoothing.
 *
 * @param decay        the factor of the step and exponential schedules
 * @param decayEpochs  epochs between two steps of the step schedule
 * @param warmupEpochs epochs of linear warm-up of the cosine schedule
 */
public record OptimiserConfig(UpdaterKind updater, double learningRate, double momentum,
                              LearningRateSchedule schedule, double decay, int decayEpochs, int warmupEpochs,
                              double weightDecay, double labelSmoothing) implements Serializable {
    public OptimiserConfig {
        if (updater == null) {
            throw new ConfigException(Settings.TRAIN_UPDATER.key(), "must be " + Settings.TRAIN_UPDATER.allowed());
        }
        if (schedule == null) {
            throw new ConfigException(Settings.TRAIN_LEARNING_RATE_SCHEDULE.key(),
                    "must be " + Settings.TRAIN_LEARNING_RATE_SCHEDULE.allowed());
        }
        Settings.TRAIN_LEARNING_RATE.check(learningRate);
        Settings.TRAIN_MOMENTUM.check(momentum);
        Settings.TRAIN_LEARNING_RATE_DECAY.check(decay);
        Settings.TRAIN_LEARNING_RATE_DECAY_EPOCHS.check(decayEpochs);
        Settings.TRAIN_WARMUP_EPOCHS.check(warmupEpochs);
        Settings.TRAIN_WEIGHT_DECAY.check(weightDecay);
        Settings.TRAIN_LABEL_SMOOTHING.check(labelSmoothing);
    }

    /** The step, exponential, linear and cosine schedules at their other defaults. */
    public OptimiserConfig(UpdaterKind updater, double learningRate, double momentum, LearningRateSchedule schedule,
                           double decay, int decayEpochs) {
        this(updater, learningRate, momentum, schedule, decay, decayEpochs,
                Settings.TRAIN_WARMUP_EPOCHS.defaultValue(), Settings.TRAIN_WEIGHT_DECAY.defaultValue(),
                Settings.TRAIN_LABEL_SMOOTHING.defaultValue());
    }

    /** The updater at a constant learning rate, with the defaults of everything else. */
    public static OptimiserConfig of(UpdaterKind updater, double learningRate) {
        return new OptimiserConfig(updater, learningRate, Settings.TRAIN_MOMENTUM.defaultValue(),
                LearningRateSchedule.CONSTANT, Settings.TRAIN_LEARNING_RATE_DECAY.defaultValue(),
                Settings.TRAIN_LEARNING_RATE_DECAY_EPOCHS.defaultValue());
    }

    /** The learning rate in a (0-based) epoch of a run of {@code epochs} epochs, as the workers apply it. */
    public double learningRateAt(int epoch, int epochs) {
        return switch (schedule) {
            case CONSTANT -> learningRate;
            case STEP -> learningRate * Math.pow(decay, Math.floor((double) epoch / decayEpochs));
            case EXPONENTIAL -> learningRate * Math.pow(decay, epoch);
            case LINEAR -> learningRate * (1 - (double) epoch / epochs);
            case COSINE -> epoch < warmupEpochs ? learningRate * (epoch + 1) / warmupEpochs
                    : learningRate * (1 + Math.cos(Math.PI * (epoch - warmupEpochs) / (epochs - warmupEpochs))) / 2;
        };
    }
}
