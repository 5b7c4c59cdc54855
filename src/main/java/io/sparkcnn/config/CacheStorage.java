package io.sparkcnn.config;

/** Where workers keep their decoded partitions between rounds (see {@code data.cache.storage}). */
public enum CacheStorage {
    MEMORY, SERIALISED, DISK, ENCODED;

    public static CacheStorage fromConfig(String value) {
        return ConfigName.parse(Settings.DATA_CACHE_STORAGE, value, CacheStorage.class);
    }

    public String configName() {
        return ConfigName.of(this);
    }
}
