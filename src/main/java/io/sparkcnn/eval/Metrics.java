package io.sparkcnn.eval;

import org.nd4j.evaluation.classification.Evaluation;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * Held-out metrics of a classifier: loss, accuracy, per-class precision / recall / F1, macro F1 (over the
 * classes the held-out images have) and the confusion matrix (rows: true class, columns: predicted), for
 * {@code count} images.
 */
public record Metrics(List<String> labels, long count, double loss, double accuracy, double macroF1,
                      double[] precision, double[] recall, double[] f1, long[][] confusion) implements Serializable {

    /** The value of a held-out metric. */
    public double score(io.sparkcnn.config.HeldOutMetric metric) {
        return switch (metric) {
            case ACCURACY -> accuracy;
            case MACRO_F1 -> macroF1;
            case LOSS -> loss;
        };
    }

    public static Metrics of(Evaluation eval, List<String> labels, double loss) {
        int k = labels.size();
        double[] p = new double[k];
        double[] r = new double[k];
        double[] f = new double[k];
        long[][] confusion = new long[k][k];
        for (int i = 0; i < k; i++) {
            // DL4J returns 0 for a class with no predictions or no examples (and warns); so do we.
            p[i] = eval.precision(i, 0.0);
            r[i] = eval.recall(i, 0.0);
            f[i] = p[i] + r[i] == 0 ? 0 : 2 * p[i] * r[i] / (p[i] + r[i]);
            for (int j = 0; j < k; j++) {
                confusion[i][j] = eval.getConfusionMatrix().getCount(i, j);
            }
        }
        // Macro F1 averages the classes the held-out images have: a class with no image has no recall to measure,
        // and counting it as 0 would make a perfect classifier look mediocre on a split that happens to lack it.
        double macro = 0;
        int present = 0;
        for (int i = 0; i < k; i++) {
            if (images(confusion[i]) > 0) {
                macro += f[i];
                present++;
            }
        }
        return new Metrics(List.copyOf(labels), eval.getNumRowCounter(), loss, eval.accuracy(),
                present == 0 ? 0 : macro / present, p, r, f, confusion);
    }

    private static long images(long[] confusionRow) {
        long n = 0;
        for (long c : confusionRow) {
            n += c;
        }
        return n;
    }

    /** The classes of the label index that no held-out image has: macro F1 leaves them out. */
    public List<String> absentClasses() {
        List<String> absent = new java.util.ArrayList<>();
        for (int i = 0; i < labels.size(); i++) {
            if (images(confusion[i]) == 0) {
                absent.add(labels.get(i));
            }
        }
        return absent;
    }

    /** The metrics as a JSON-ready map. */
    public java.util.Map<String, Object> toMap() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("images", count);
        m.put("loss", loss);
        m.put("accuracy", accuracy);
        m.put("macroF1", macroF1);
        m.put("classesAbsent", absentClasses());
        m.put("precision", precision);
        m.put("recall", recall);
        m.put("f1", f1);
        m.put("confusion", confusion);
        return m;
    }

    /** A table for the driver log and the console. */
    public String table() {
        StringBuilder out = new StringBuilder();
        int w = Math.max(5, labels.stream().mapToInt(String::length).max().orElse(5));
        List<String> absent = absentClasses();
        out.append(String.format(Locale.ROOT, "held-out: %d images, loss %.4f, accuracy %.4f, macro F1 %.4f%s%n",
                count, loss, accuracy, macroF1, absent.isEmpty() ? ""
                        : " (over the " + (labels.size() - absent.size()) + " classes present; no held-out image of "
                        + absent + ")"));
        out.append(String.format(Locale.ROOT, "  %-" + w + "s %9s %9s %9s %8s%n", "class", "precision", "recall", "F1",
                "images"));
        for (int i = 0; i < labels.size(); i++) {
            long n = images(confusion[i]);
            out.append(String.format(Locale.ROOT, "  %-" + w + "s %9.4f %9.4f %9.4f %8d%n", labels.get(i), precision[i],
                    recall[i], f1[i], n));
        }
        return out.toString();
    }
}
