package io.sparkcnn.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One configuration key, declared once: its name, meaning, default, type and the values it allows.
 * {@code conf/reference.conf} is generated from these declarations ({@link ReferenceConf}), and the
 * records in this package validate their fields through {@link #check}, so the documentation, the
 * defaults and the validation cannot drift apart.
 */
public final class Setting<T> {
    /** How a value is read from HOCON and rendered back. */
    public enum Type { INT, LONG, DOUBLE, STRING, STRING_LIST, MAP }

    private final String key;
    private final Type type;
    private final T defaultValue;
    private final String doc;
    private final Predicate<T> rule;
    private final String allowed;
    private final Function<JobConfig, ?> getter;
    private final boolean changesResult;

    private Setting(String key, Type type, T defaultValue, String doc, Predicate<T> rule, String allowed) {
        this(key, type, defaultValue, doc, rule, allowed, null, true);
    }

    private Setting(String key, Type type, T defaultValue, String doc, Predicate<T> rule, String allowed,
                    Function<JobConfig, ?> getter, boolean changesResult) {
        this.key = key;
        this.type = type;
        this.defaultValue = defaultValue;
        this.doc = doc;
        this.rule = rule;
        this.allowed = allowed;
        this.getter = getter;
        this.changesResult = changesResult;
    }

    /**
     * This setting with where its value lives in a loaded {@link JobConfig} (in the form HOCON renders: enum
     * settings return their config name), from which a job's config is rendered back.
     */
    Setting<T> in(Function<JobConfig, ?> where) {
        return new Setting<>(key, type, defaultValue, doc, rule, allowed, where, changesResult);
    }

    /**
     * This setting, declared as one that does not change what a training run computes (where output goes, how
     * long to wait, how data is cached, the Spark settings...): a run resumed from a checkpoint may change it.
     */
    Setting<T> runOnly() {
        return new Setting<>(key, type, defaultValue, doc, rule, allowed, getter, false);
    }

    /** Whether a different value makes a training run compute something else (see {@link #runOnly}). */
    public boolean changesResult() {
        return changesResult;
    }

    /** This setting's value in {@code job}, in the form HOCON renders. */
    public Object valueIn(JobConfig job) {
        if (getter == null) {
            throw new IllegalStateException(key + " declares no getter (Setting.in)");
        }
        return getter.apply(job);
    }

    static Setting<Integer> integer(String key, int defaultValue, int min, int max, String doc) {
        String allowed = max == Integer.MAX_VALUE ? "an integer >= " + min : "an integer in [" + min + ", " + max + "]";
        return new Setting<>(key, Type.INT, defaultValue, doc, v -> v >= min && v <= max, allowed);
    }

    static Setting<Integer> integerOneOf(String key, int defaultValue, List<Integer> choices, String doc) {
        return new Setting<>(key, Type.INT, defaultValue, doc, choices::contains, "one of " + choices);
    }

    /** A double in (0, max]. */
    static Setting<Double> positive(String key, double defaultValue, double max, String doc) {
        return new Setting<>(key, Type.DOUBLE, defaultValue, doc, v -> !v.isNaN() && v > 0 && v <= max,
                "a number in (0, " + max + "]");
    }

    static Setting<Long> longAtLeast(String key, long defaultValue, long min, String doc) {
        return new Setting<>(key, Type.LONG, defaultValue, doc, v -> v >= min, "an integer >= " + min);
    }

    static Setting<Long> longValue(String key, long defaultValue, String doc) {
        return new Setting<>(key, Type.LONG, defaultValue, doc, v -> true, "an integer");
    }

    /** A double in [min, max] or, when {@code maxExclusive}, in [min, max). */
    static Setting<Double> fraction(String key, double defaultValue, double min, double max, boolean maxExclusive,
                                    String doc) {
        String allowed = "a number in [" + min + ", " + max + (maxExclusive ? ")" : "]");
        Predicate<Double> rule = v -> !v.isNaN() && v >= min && (maxExclusive ? v < max : v <= max);
        return new Setting<>(key, Type.DOUBLE, defaultValue, doc, rule, allowed);
    }

    static Setting<String> string(String key, String defaultValue, String doc) {
        return new Setting<>(key, Type.STRING, defaultValue, doc, v -> true, "a string");
    }

    /** A string matching a regular expression ({@code allowed} says what that means in words). */
    static Setting<String> matching(String key, String defaultValue, String regex, String allowed, String doc) {
        return new Setting<>(key, Type.STRING, defaultValue, doc, v -> v.matches(regex), allowed);
    }

    /** A size in bytes with an optional unit (k, m, g, t, as HOCON reads sizes), greater than zero. */
    static Setting<String> byteSize(String key, String defaultValue, String doc) {
        return new Setting<>(key, Type.STRING, defaultValue, doc, v -> parseBytes(v) > 0,
                "a size in bytes > 0, with an optional unit (e.g. 1048576, 512m, 16g)");
    }

    /** The bytes a size setting's value means, or -1 when it is not a size. */
    public static long parseBytes(String value) {
        try {
            return com.typesafe.config.ConfigFactory.parseMap(Map.of("v", value)).getBytes("v");
        } catch (com.typesafe.config.ConfigException e) {
            return -1;
        }
    }

    /** An architecture's config name, or {@code file:<path>} (a network configuration the user wrote). */
    static Setting<String> architecture(String key, Architecture defaultValue, String doc) {
        List<String> names = java.util.Arrays.stream(Architecture.values()).filter(a -> a != Architecture.FILE)
                .map(ConfigName::of).toList();
        return new Setting<>(key, Type.STRING, ConfigName.of(defaultValue), doc,
                v -> names.contains(v) || (v.startsWith(Architecture.FILE_PREFIX)
                        && v.length() > Architecture.FILE_PREFIX.length()),
                "one of " + String.join(" | ", names) + " | file:<path to a DL4J configuration JSON>");
    }

    /** One of an enum's constants, by their config names ({@code CENTRE_CROP} is "centre-crop"). */
    static <E extends Enum<E>> Setting<String> choice(String key, E defaultValue, String doc) {
        List<String> names = java.util.Arrays.stream(defaultValue.getDeclaringClass().getEnumConstants())
                .map(ConfigName::of).toList();
        return choice(key, ConfigName.of(defaultValue), names, doc);
    }

    static Setting<String> choice(String key, String defaultValue, List<String> choices, String doc) {
        return new Setting<>(key, Type.STRING, defaultValue, doc, choices::contains,
                "one of " + String.join(" | ", choices));
    }

    static Setting<List<String>> stringList(String key, List<String> defaultValue, Predicate<List<String>> rule,
                                            String allowed, String doc) {
        return new Setting<>(key, Type.STRING_LIST, List.copyOf(defaultValue), doc, rule, allowed);
    }

    static Setting<Map<String, String>> map(String key, String doc) {
        return new Setting<>(key, Type.MAP, Map.of(), doc, v -> true, "an object of string values");
    }

    public String key() {
        return key;
    }

    public Type type() {
        return type;
    }

    public T defaultValue() {
        return defaultValue;
    }

    public String doc() {
        return doc;
    }

    public String allowed() {
        return allowed;
    }

    /** Whether this setting allows {@code value}. */
    public boolean accepts(T value) {
        return value != null && rule.test(value);
    }

    /** Returns {@code value} if this setting allows it, else fails naming the key, value and what is allowed. */
    public T check(T value) {
        if (value == null) {
            throw new ConfigException(key, "must be " + allowed + ", got nothing (null)");
        }
        if (!rule.test(value)) {
            throw new ConfigException(key, "must be " + allowed + ", got " + render(value));
        }
        return value;
    }

    /** Reads and checks this setting from a config that already holds the defaults. */
    @SuppressWarnings("unchecked")
    T read(Config config) {
        ConfigValue value = config.getValue(key);
        try {
            Object read = switch (type) {
                case INT -> integral(config, config.getInt(key));
                case LONG -> integral(config, config.getLong(key));
                case DOUBLE -> config.getDouble(key);
                case STRING -> readString(value);
                case STRING_LIST -> List.copyOf(config.getStringList(key));
                case MAP -> readMap(config.getConfig(key));
            };
            return check((T) read);
        } catch (com.typesafe.config.ConfigException.WrongType | com.typesafe.config.ConfigException.BadValue e) {
            throw new ConfigException(key, "must be " + allowed + ", got " + describe(value) + where(value));
        }
    }

    /** Typesafe Config reads 1.5 as the integer 1: a key that takes a whole number refuses a fraction instead. */
    private <N extends Number> N integral(Config config, N read) {
        if (config.getDouble(key) != read.doubleValue()) {
            throw new com.typesafe.config.ConfigException.WrongType(config.getValue(key).origin(), key, "a whole number",
                    "a fraction");
        }
        return read;
    }

    private String readString(ConfigValue value) {
        if (value.valueType() == ConfigValueType.OBJECT || value.valueType() == ConfigValueType.LIST) {
            throw new com.typesafe.config.ConfigException.WrongType(value.origin(), key, "STRING",
                    value.valueType().name());
        }
        return String.valueOf(value.unwrapped());
    }

    private static Map<String, String> readMap(Config sub) {
        Map<String, String> out = new LinkedHashMap<>();
        sub.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.put(String.join(".", ConfigUtil.splitPath(e.getKey())),
                        String.valueOf(e.getValue().unwrapped())));
        return Map.copyOf(out);
    }

    private static String describe(ConfigValue value) {
        return switch (value.valueType()) {
            case STRING -> "\"" + value.unwrapped() + "\"";
            case NULL -> "null";
            default -> value.render(com.typesafe.config.ConfigRenderOptions.concise())
                    + " (" + value.valueType().name().toLowerCase(Locale.ROOT) + ")";
        };
    }

    private static String where(ConfigValue value) {
        String origin = value.origin().description();
        return origin == null || origin.isBlank() ? "" : " (" + origin + ")";
    }

    private static String render(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }

    /** The default as HOCON text, for the generated reference file. */
    String renderDefault() {
        return switch (type) {
            case INT, LONG, DOUBLE -> String.valueOf(defaultValue);
            case STRING -> quote((String) defaultValue);
            case STRING_LIST -> {
                List<String> items = new ArrayList<>();
                for (Object o : (List<?>) defaultValue) {
                    items.add(quote((String) o));
                }
                yield "[" + String.join(", ", items) + "]";
            }
            case MAP -> "{}";
        };
    }

    private static String quote(String s) {
        return ConfigUtil.quoteString(s);
    }

    @Override
    public String toString() {
        return key;
    }
}
