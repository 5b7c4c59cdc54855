package io.sparkcnn.config;

import java.io.Serializable;
import java.util.List;
import java.util.Optional;

/** Where the labelled images are and how they become tensors. */
public record DataConfig(String train, String heldOut, double heldOutFraction, LakeFormat format,
                         List<String> extensions, int partitions, CacheStorage cacheStorage, String cacheMaxBytes,
                         ImageConfig image, BadFilesConfig badFiles, AugmentConfig augment)
        implements Serializable {
    public DataConfig {
        Settings.DATA_TRAIN.check(train);
        Settings.DATA_HELD_OUT.check(heldOut);
        Settings.DATA_HELD_OUT_FRACTION.check(heldOutFraction);
        extensions = List.copyOf(Settings.DATA_EXTENSIONS.check(extensions));
        Settings.DATA_PARTITIONS.check(partitions);
        Settings.DATA_CACHE_MAX_BYTES.check(cacheMaxBytes);
        if (format == null || cacheStorage == null || image == null || badFiles == null || augment == null) {
            throw new ConfigException("data", "format, cache storage, image, badFiles and augment must be set");
        }
    }

    /** data.cache.maxBytes in bytes. */
    public long cacheBudget() {
        return Setting.parseBytes(cacheMaxBytes);
    }

    /** The training lake; fails naming the key when none is configured. */
    public String requireTrain() {
        if (train.isBlank()) {
            throw new ConfigException(Settings.DATA_TRAIN.key(),
                    "no training lake configured: set it in the --conf file or with --set data.train=URI");
        }
        return train;
    }

    /**
     * What every model is evaluated on: the explicit held-out lake, or else the hashed held-out share of the
     * training lake; fails naming the key when neither is configured or the share is 0.
     */
    public void requireHeldOut() {
        if (heldOut.isBlank() && train.isBlank()) {
            throw new ConfigException(Settings.DATA_HELD_OUT.key(), "no held-out lake configured: set data.heldOut "
                    + "(or data.train, whose hashed data.heldOutFraction is then held out)");
        }
        if (heldOut.isBlank() && heldOutFraction == 0) {
            throw new ConfigException(Settings.DATA_HELD_OUT_FRACTION.key(), "0 with no data.heldOut lake holds "
                    + "nothing out, and every model is evaluated on held-out images; set it above 0 (default "
                    + Settings.DATA_HELD_OUT_FRACTION.defaultValue() + ") or set data.heldOut");
        }
    }

    /** The explicit held-out lake, if any. */
    public Optional<String> heldOutLake() {
        return heldOut.isBlank() ? Optional.empty() : Optional.of(heldOut);
    }
}
