package io.sparkcnn.config;

import java.io.Serializable;

/** Training augmentation (data.augment.*): flip, random-resized crop, pad-and-crop, brightness and contrast. */
public record AugmentConfig(boolean flip, double cropScale, int padCrop, double brightness, double contrast)
        implements Serializable {
    public static final AugmentConfig NONE = new AugmentConfig(false, 1.0, 0, 0.0, 0.0);

    public AugmentConfig {
        Settings.AUGMENT_CROP_SCALE.check(cropScale);
        Settings.AUGMENT_PAD_CROP.check(padCrop);
        Settings.AUGMENT_BRIGHTNESS.check(brightness);
        Settings.AUGMENT_CONTRAST.check(contrast);
    }

    public boolean enabled() {
        return flip || cropScale < 1.0 || padCrop > 0 || brightness > 0 || contrast > 0;
    }
}
