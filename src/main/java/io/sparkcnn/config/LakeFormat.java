package io.sparkcnn.config;

import java.util.Locale;

/** How a lake URI is read: a folder of label folders, or a manifest of path,label rows. */
public enum LakeFormat {
    AUTO, FOLDERS, MANIFEST;

    public static LakeFormat fromConfig(String value) {
        return ConfigName.parse(Settings.DATA_FORMAT, value, LakeFormat.class);
    }

    /** Resolves {@link #AUTO} for one URI: a .csv or .parquet file is a manifest. */
    public LakeFormat resolve(String uri) {
        if (this != AUTO) {
            return this;
        }
        String lower = uri.toLowerCase(Locale.ROOT);
        return lower.endsWith(".csv") || lower.endsWith(".parquet") ? MANIFEST : FOLDERS;
    }

    public String configName() {
        return ConfigName.of(this);
    }
}
