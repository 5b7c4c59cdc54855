package io.sparkcnn.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Generates {@code conf/reference.conf} from {@link Settings}: every key with its meaning, what it
 * allows and its default. The file in the repository is this output; a test keeps them equal.
 */
public final class ReferenceConf {
    private static final int WIDTH = 100;

    private ReferenceConf() {
    }

    public static String render() {
        StringBuilder out = new StringBuilder();
        out.append("# spark-cnn reference configuration: every key, its meaning and its default.\n");
        out.append("# GENERATED from io.sparkcnn.config.Settings; do not edit by hand. Regenerate with\n");
        out.append("#   scripts/spark-cnn config reference > conf/reference.conf\n");
        out.append("# A job file (conf/*.conf) sets only what differs; any key can be overridden on the\n");
        out.append("# command line with --set key=value (lists and objects in HOCON: --set data.extensions=[png]).\n");
        String section = null;
        for (Setting<?> s : Settings.ALL) {
            String top = s.key().contains(".") ? s.key().substring(0, s.key().indexOf('.')) : s.key();
            if (!top.equals(section)) {
                out.append('\n');
                section = top;
            }
            String resume = s.changesResult() ? "" : " A run resumed from a checkpoint may change it.";
            for (String line : wrap(s.doc() + " Allowed: " + s.allowed() + "." + resume)) {
                out.append("# ").append(line).append('\n');
            }
            out.append(s.key()).append(" = ").append(s.renderDefault()).append('\n');
        }
        out.append("\n# Java system properties (-Dname=value on the driver and in spark.executor.extraJavaOptions),\n");
        out.append("# not job settings: they switch how the CPU engine computes in the whole JVM, never what.\n");
        for (SystemProperty p : Settings.SYSTEM_PROPERTIES) {
            for (String line : wrap(p.name() + " (default " + p.defaultValue() + "): " + p.doc())) {
                out.append("# ").append(line).append('\n');
            }
        }
        return out.toString();
    }

    private static List<String> wrap(String text) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > WIDTH - 2) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }
}
