package io.sparkcnn.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes what a pass over a lake saw to the output folder, on any Hadoop FileSystem, each file atomically
 * (written under a hidden name, then renamed), so a reader never sees half a report:
 * {@code bad-files.tsv} (path TAB reason, every bad file, both escaped as {@link TsvField} says) and {@code inspect.json} (the summary).
 */
public final class LakeReports {
    public static final String BAD_FILES = "bad-files.tsv";
    public static final String INSPECT = "inspect.json";

    private LakeReports() {
    }

    /** Writes the bad-file list; returns its location. */
    public static String writeBadFiles(LakeSummary summary, String outputDir, Configuration conf) throws IOException {
        StringBuilder tsv = new StringBuilder("path\treason\n");
        for (BadFile bad : summary.badFiles()) {
            tsv.append(TsvField.escape(bad.path())).append('\t').append(TsvField.escape(bad.reason())).append('\n');
        }
        return write(outputDir, BAD_FILES, tsv.toString(), conf);
    }

    /** Writes the summary as JSON; returns its location. */
    public static String writeSummary(LakeSummary summary, LabelIndex labels, Map<String, Object> extra,
                                      String outputDir, Configuration conf) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>(extra);
        json.put("labels", labels == null ? List.of() : labels.labels());
        json.put("trainImages", summary.images(Split.TRAIN));
        json.put("heldOutImages", summary.images(Split.HELD_OUT));
        json.put("imageKinds", summary.kinds());
        json.put("imageKindsListSizes", summary.kindsListSizes());
        json.put("imageSizes", Map.of("range", summary.sizes().range(), "longerSide", summary.sizes().histogram()));
        json.put("badFiles", summary.badCount());
        if (summary.imageCount(Split.TRAIN) > 0) {
            Normalisation n = summary.standardisation();
            json.put("trainChannelMean", n.mean());
            json.put("trainChannelStd", n.std());
        }
        String text = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json);
        return write(outputDir, INSPECT, text + "\n", conf);
    }

    static String write(String outputDir, String name, String content, Configuration conf) throws IOException {
        return FileSystems.replace(outputDir, name, content.getBytes(StandardCharsets.UTF_8), conf);
    }
}
