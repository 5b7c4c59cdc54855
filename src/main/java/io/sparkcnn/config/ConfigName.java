package io.sparkcnn.config;

import java.util.Locale;

/** Maps enum constants to the names used in config files: {@code CENTRE_CROP <-> "centre-crop"}. */
final class ConfigName {
    private ConfigName() {
    }

    static String of(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static <E extends Enum<E>> E parse(Setting<String> setting, String value, Class<E> type) {
        setting.check(value);
        return Enum.valueOf(type, value.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
