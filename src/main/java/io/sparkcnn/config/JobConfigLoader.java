package io.sparkcnn.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Loads a {@link JobConfig}: declared defaults, then a HOCON file, then {@code key=value} overrides from
 * the command line. Everything is checked before any Spark work: an unknown key (with the nearest known
 * one suggested), a wrong type or an out-of-range value fails with a message naming the key.
 */
public final class JobConfigLoader {
    private JobConfigLoader() {
    }

    /** Loads from an optional file plus overrides ({@code key -> value}, applied in order). */
    public static JobConfig load(Optional<Path> file, List<String> overrides) {
        Config fileConfig = file.map(JobConfigLoader::parseFile).orElse(ConfigFactory.empty());
        Config merged = parseOverrides(overrides).withFallback(fileConfig).withFallback(defaults());
        try {
            merged = merged.resolve();
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(e.getMessage().split(":")[0], "cannot resolve substitution: " + e.getMessage());
        }
        checkKnownKeys(merged);
        return fromConfig(merged);
    }

    /** The declared defaults as a Config. */
    public static Config defaults() {
        Config c = ConfigFactory.empty();
        for (Setting<?> s : Settings.ALL) {
            c = c.withValue(s.key(), ConfigValueFactory.fromAnyRef(s.defaultValue(), "default of " + s.key()));
        }
        return c;
    }

    private static Config parseFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("--conf", "no such config file: " + file.toAbsolutePath());
        }
        try {
            return ConfigFactory.parseFile(file.toFile(),
                    ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false));
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException("--conf", "cannot parse " + file + ": " + e.getMessage());
        }
    }

    /**
     * Parses {@code key=value} overrides. A value that opens with [ or { is HOCON (a list or object);
     * anything else is taken verbatim as a string, so URIs such as hdfs://nn:8020/lake need no quoting.
     */
    static Config parseOverrides(List<String> overrides) {
        Config c = ConfigFactory.empty();
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException(override, "an override must look like key=value, got \"" + override + "\"");
            }
            String key = override.substring(0, eq).trim();
            String raw = override.substring(eq + 1).trim();
            ConfigValue value;
            if (raw.startsWith("[") || raw.startsWith("{")) {
                try {
                    value = ConfigFactory.parseString("v = " + raw).getValue("v");
                } catch (com.typesafe.config.ConfigException e) {
                    throw new ConfigException(key, "cannot parse override value " + raw + ": " + e.getMessage());
                }
            } else {
                value = ConfigValueFactory.fromAnyRef(raw, "command-line override " + key);
            }
            try {
                c = ConfigFactory.empty().withValue(key, value).withFallback(c);
            } catch (com.typesafe.config.ConfigException e) {
                throw new ConfigException(key, "not a valid key: " + e.getMessage());
            }
        }
        return c;
    }

    private static void checkKnownKeys(Config merged) {
        List<String> known = Settings.ALL.stream().map(Setting::key).toList();
        List<String> maps = Settings.ALL.stream().filter(s -> s.type() == Setting.Type.MAP).map(Setting::key).toList();
        for (Map.Entry<String, ConfigValue> e : merged.entrySet()) {
            String key = e.getKey();
            if (known.contains(key) || maps.stream().anyMatch(m -> key.startsWith(m + "."))) {
                continue;
            }
            String origin = e.getValue().origin().description();
            throw new ConfigException(key, "unknown key (" + origin + ")" + suggestion(key, known)
                    + "; every key is listed in conf/reference.conf");
        }
    }

    private static String suggestion(String key, List<String> known) {
        String nearest = known.stream()
                .min(Comparator.comparingInt(k -> editDistance(k.toLowerCase(), key.toLowerCase())))
                .orElseThrow();
        return editDistance(nearest.toLowerCase(), key.toLowerCase()) <= Math.max(3, key.length() / 4)
                ? "; did you mean " + nearest + "?" : "";
    }

    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static JobConfig fromConfig(Config c) {
        ImageConfig image = new ImageConfig(
                Settings.IMAGE_HEIGHT.read(c),
                Settings.IMAGE_WIDTH.read(c),
                Settings.IMAGE_CHANNELS.read(c),
                ResizePolicy.fromConfig(Settings.IMAGE_RESIZE.read(c)),
                NormalisationKind.fromConfig(Settings.IMAGE_NORMALISATION.read(c)),
                Settings.IMAGE_MAX_PIXELS.read(c));
        BadFilesConfig badFiles = new BadFilesConfig(
                BadFilePolicy.fromConfig(Settings.BAD_FILES_POLICY.read(c)),
                Settings.BAD_FILES_MAX_FRACTION.read(c),
                Settings.BAD_FILES_LIST_LIMIT.read(c),
                DuplicatePolicy.fromConfig(Settings.BAD_FILES_DUPLICATES.read(c)));
        DataConfig data = new DataConfig(
                Settings.DATA_TRAIN.read(c),
                Settings.DATA_HELD_OUT.read(c),
                Settings.DATA_HELD_OUT_FRACTION.read(c),
                LakeFormat.fromConfig(Settings.DATA_FORMAT.read(c)),
                Settings.DATA_EXTENSIONS.read(c),
                Settings.DATA_PARTITIONS.read(c),
                CacheStorage.fromConfig(Settings.DATA_CACHE_STORAGE.read(c)),
                Settings.DATA_CACHE_MAX_BYTES.read(c),
                image,
                badFiles,
                new AugmentConfig(Boolean.parseBoolean(Settings.AUGMENT_FLIP.read(c)),
                        Settings.AUGMENT_CROP_SCALE.read(c), Settings.AUGMENT_PAD_CROP.read(c),
                        Settings.AUGMENT_BRIGHTNESS.read(c), Settings.AUGMENT_CONTRAST.read(c)));
        SparkConfig spark = new SparkConfig(
                Settings.SPARK_MASTER.read(c),
                Settings.SPARK_APP_NAME.read(c),
                Settings.SPARK_CONF.read(c));
        String architecture = Settings.MODEL_ARCHITECTURE.read(c);
        TrainConfig train = new TrainConfig(
                Architecture.fromConfig(architecture),
                Stem.fromConfig(Settings.MODEL_STEM.read(c)),
                new OptimiserConfig(
                        UpdaterKind.fromConfig(Settings.TRAIN_UPDATER.read(c)),
                        Settings.TRAIN_LEARNING_RATE.read(c),
                        Settings.TRAIN_MOMENTUM.read(c),
                        LearningRateSchedule.fromConfig(Settings.TRAIN_LEARNING_RATE_SCHEDULE.read(c)),
                        Settings.TRAIN_LEARNING_RATE_DECAY.read(c),
                        Settings.TRAIN_LEARNING_RATE_DECAY_EPOCHS.read(c),
                        Settings.TRAIN_WARMUP_EPOCHS.read(c),
                        Settings.TRAIN_WEIGHT_DECAY.read(c),
                        Settings.TRAIN_LABEL_SMOOTHING.read(c)),
                Settings.TRAIN_BATCH_SIZE_PER_WORKER.read(c),
                TrainingStrategy.fromConfig(Settings.TRAIN_STRATEGY.read(c)),
                Settings.TRAIN_EPOCHS.read(c),
                Settings.TRAIN_WORKERS.read(c),
                Settings.TRAIN_THREADS_PER_WORKER.read(c),
                new AveragingConfig(Settings.TRAIN_AVERAGING_FREQUENCY.read(c), Settings.TRAIN_ROUND_SECONDS.read(c),
                        Boolean.parseBoolean(Settings.TRAIN_AVERAGE_UPDATER_STATE.read(c)),
                        Settings.TRAIN_OUTER_LEARNING_RATE.read(c), Settings.TRAIN_OUTER_MOMENTUM.read(c)),
                Settings.TRAIN_ROUND_TIMEOUT_SECONDS.read(c),
                Settings.TRAIN_EVAL_BATCH_SIZE.read(c),
                EarlyStoppingConfig.of(Settings.TRAIN_EARLY_STOPPING_METRIC.read(c),
                        Settings.TRAIN_EARLY_STOPPING_PATIENCE.read(c), Settings.TRAIN_EARLY_STOPPING_MIN_DELTA.read(c)),
                networkFile(architecture));
        CheckpointConfig checkpoint = new CheckpointConfig(Settings.CHECKPOINT_EVERY_ROUNDS.read(c),
                Settings.CHECKPOINT_KEEP.read(c));
        return new JobConfig(Settings.SEED.read(c), data, train,
                new FineTuneConfig(Settings.MODEL_INIT.read(c).trim(), Settings.MODEL_FREEZE.read(c).trim()), checkpoint,
                ComputeBackend.fromConfig(Settings.COMPUTE_BACKEND.read(c)),
                new RegistryConfig(Settings.REGISTRY_DIR.read(c), Settings.REGISTRY_MODEL.read(c)),
                new RetrainConfig(HeldOutMetric.fromConfig(Settings.RETRAIN_METRIC, Settings.RETRAIN_METRIC.read(c)),
                        Settings.RETRAIN_TOLERANCE.read(c), Settings.RETRAIN_REPLAY_FRACTION.read(c),
                        "frozen".equals(Settings.RETRAIN_HELD_OUT.read(c)),
                        NewClassPolicy.fromConfig(Settings.RETRAIN_NEW_CLASSES.read(c)),
                        Settings.RETRAIN_LOCK_STALE_AFTER_SECONDS.read(c)),
                new PredictConfig(Settings.PREDICT_LAKE.read(c), Settings.PREDICT_OUTPUT.read(c),
                        Settings.PREDICT_TOP_K.read(c), Settings.PREDICT_FORMAT.read(c)),
                new ServeConfig(Settings.SERVE_HOST.read(c), Settings.SERVE_PORT.read(c), Settings.SERVE_THREADS.read(c),
                        Settings.SERVE_MAX_BATCH.read(c), Settings.SERVE_MAX_DELAY_MS.read(c),
                        Settings.SERVE_QUEUE_CAPACITY.read(c), Settings.SERVE_MAX_BODY_BYTES.read(c),
                        Settings.SERVE_POLL_SECONDS.read(c), Settings.SERVE_TOKEN_ENV.read(c),
                        Settings.SERVE_TOP_K.read(c), Settings.SERVE_SHUTDOWN_SECONDS.read(c)),
                Settings.OUTPUT_DIR.read(c), spark);
    }

    /** Renders a config back to HOCON with every key, so a run records exactly what it ran with. */
    public static String render(JobConfig job) {
        StringBuilder out = new StringBuilder();
        values(job).forEach((key, value) -> out.append(key).append(" = ").append(value).append('\n'));
        return out.toString();
    }

    /** Every key of {@code job} with its value as HOCON text, in documentation order. */
    public static Map<String, String> values(JobConfig job) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Setting<?> s : Settings.ALL) {
            values.put(s.key(), hocon(s.valueIn(job)));
        }
        return values;
    }

    /** Every key with its default value as HOCON text, rendered as {@link #values} renders a job's. */
    public static Map<String, String> defaultValues() {
        return values(load(java.util.Optional.empty(), java.util.List.of()));
    }

    private static String hocon(Object value) {
        return ConfigValueFactory.fromAnyRef(value).render(com.typesafe.config.ConfigRenderOptions.concise());
    }

    /** The configuration a file: architecture names, read now so that a missing file fails before Spark starts. */
    private static TrainConfig.NetworkFile networkFile(String architecture) {
        if (!architecture.startsWith(Architecture.FILE_PREFIX)) {
            return null;
        }
        String path = architecture.substring(Architecture.FILE_PREFIX.length());
        try {
            return new TrainConfig.NetworkFile(path, java.nio.file.Files.readString(java.nio.file.Path.of(path)));
        } catch (java.io.IOException | RuntimeException e) {
            throw new ConfigException(Settings.MODEL_ARCHITECTURE.key(), "cannot read the network configuration "
                    + path + ": " + e);
        }
    }
}
