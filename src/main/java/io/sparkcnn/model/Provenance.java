package io.sparkcnn.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkcnn.eval.Metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a model came from, as an object tree written into {@code model.json} beside the network's own fields:
 * when and by which code, the seed, network and strategy, every configuration key, the data it saw, the Spark
 * settings, where each worker ran and how fast, and the held-out metrics after every epoch. A retrain adds its
 * registry decision.
 *
 * <p>{@link #FORMAT} numbers the layout. Models written before the number existed are format 1, with the
 * same fields but the configuration as one HOCON text; {@link #fromJson} reads both, so older models keep
 * working with {@code evaluate}, {@code predict} and {@code retrain}. Fields a model does not have are null.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Provenance(int provenanceFormat, String createdAt, String codeVersion, String codeCommit, Long seed,
                         String architecture, String strategy, Map<String, String> config, String source,
                         DataSource data, Map<String, String> spark, Backend backend, List<Worker> workers,
                         Training training, List<Epoch> epochs, List<Round> rounds, Map<String, Object> retrain) {
    /** The layout this code writes. */
    public static final int FORMAT = 2;

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The lakes and counts a model was trained on, and the data snapshot that lists every file. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DataSource(String train, String heldOut, Long trainImages, Long heldOutImages, Long badFiles,
                             String snapshotFile, String snapshotSha256) {
    }

    /** The ND4J backend of the driver and each distinct backend/device of the workers. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Backend(String driver, List<String> workers) {
    }

    /** Where one training worker ran and how fast it fitted, summed over the rounds. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Worker(int worker, String executor, String host, String backend, String device, int threads,
                         long images, double fitSeconds, double imagesPerSecondFitting) {
    }

    /**
     * Training time, excluding evaluation, and the images seen; the epoch whose parameters the model holds (from
     * 1: the last, or with early stopping the best) and why training ended (both null in models written before
     * they were recorded), and the minibatches each worker fitted between two averagings (chosen when
     * train.averagingFrequency is 0; null in models written before it was recorded).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Training(double seconds, long imagesSeen, double imagesPerSecond, Integer modelEpoch,
                           String ended, Integer averagingFrequency) {
    }

    /** The held-out metrics after one epoch (numbered from 1). */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Epoch(int epoch, long images, double loss, double accuracy, double macroF1, double[] precision,
                        double[] recall, double[] f1, long[][] confusion) {
        public static Epoch of(int epoch, Metrics m) {
            return new Epoch(epoch, m.count(), m.loss(), m.accuracy(), m.macroF1(), m.precision(), m.recall(), m.f1(),
                    m.confusion());
        }

        public Metrics metrics(List<String> labels) {
            return new Metrics(labels, images, loss, accuracy, macroF1, precision, recall, f1, confusion);
        }
    }

    /** The mean training loss of one averaging round (numbered over the run) and its epoch. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Round(int round, int epoch, double loss) {
    }

    /** Each epoch's metrics, numbered from 1. */
    public static List<Epoch> epochsOf(List<Metrics> history) {
        return java.util.stream.IntStream.range(0, history.size()).mapToObj(i -> Epoch.of(i + 1, history.get(i)))
                .toList();
    }

    /** This provenance with a retrain's registry decision. */
    public Provenance withRetrain(Map<String, Object> decision) {
        return new Provenance(provenanceFormat, createdAt, codeVersion, codeCommit, seed, architecture, strategy,
                config, source, data, spark, backend, workers, training, epochs, rounds, decision);
    }

    /** As JSON-ready maps and lists, the form model.json and the report show. */
    public Map<String, Object> toJson() {
        return JSON.convertValue(this, new TypeReference<LinkedHashMap<String, Object>>() { });
    }

    /** Records (workers, epochs...) as the JSON-ready maps model.json holds. */
    public static List<Map<String, Object>> asJson(List<?> records) {
        return JSON.convertValue(records, new TypeReference<List<Map<String, Object>>>() { });
    }

    /**
     * Reads the provenance out of a model.json's fields (other fields are ignored); a format 1 model's
     * configuration text becomes its key to value map.
     */
    public static Provenance fromJson(Map<String, Object> modelJson) {
        Map<String, Object> fields = new LinkedHashMap<>(modelJson);
        if (fields.get("config") instanceof String text) {
            fields.put("config", configLines(text));
        }
        fields.putIfAbsent("provenanceFormat", 1);
        return JSON.convertValue(fields, Provenance.class);
    }

    private static Map<String, String> configLines(String hocon) {
        Map<String, String> config = new LinkedHashMap<>();
        for (String line : hocon.split("\n")) {
            int eq = line.indexOf(" = ");
            if (eq > 0) {
                config.put(line.substring(0, eq), line.substring(eq + 3));
            }
        }
        return config;
    }
}
