package io.sparkcnn.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A training run, retrain or evaluation as one self-contained HTML page (no script, no network: charts are
 * inline SVG, images inline PNG): training loss per averaging round and held-out loss and accuracy per epoch,
 * per-class precision / recall / F1, the confusion matrix as a heat map, the most confidently misclassified
 * held-out images, throughput per worker, the configuration, backend and provenance.
 */
public final class HtmlReport {
    public static final String FILE = "report.html";

    /**
     * What the page shows; {@code rounds} and {@code epochs} are empty for an evaluation, {@code comparison}
     * (champion and challenger scores) is empty except for a retrain.
     */
    public record Content(String title, String kind, List<RoundLoss> rounds, List<Metrics> epochs, Metrics last,
                          List<Map<String, Object>> workers, Map<String, String> config, String backend,
                          Map<String, Object> provenance, List<Mistake> misses, Map<String, Object> comparison) {
    }

    private HtmlReport() {
    }

    public static String render(Content c) {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(c.title()))
                .append("</title>\n<style>").append(CSS).append("</style></head><body>\n");
        h.append("<h1>").append(esc(c.title())).append("</h1>\n<p class=\"sub\">").append(esc(c.kind()))
                .append(" &middot; backend ").append(esc(c.backend())).append(" &middot; ")
                .append(String.format(Locale.ROOT, "held-out: %d images, accuracy %.4f, macro F1 %.4f, loss %.4f",
                        c.last().count(), c.last().accuracy(), c.last().macroF1(), c.last().loss())).append("</p>\n");
        if (c.provenance().get("training") instanceof Map<?, ?> training && training.get("ended") != null) {
            h.append("<p class=\"sub\" id=\"ended\">The model holds epoch ").append(training.get("modelEpoch"))
                    .append("'s parameters (the metrics above are that epoch's). Training ended: ")
                    .append(esc(String.valueOf(training.get("ended")))).append(".</p>\n");
        }
        if (!c.comparison().isEmpty()) {
            h.append("<h2>Champion and challenger</h2>\n").append(keyValues(c.comparison()));
        }
        if (!c.rounds().isEmpty() || !c.epochs().isEmpty()) {
            h.append("<h2>Learning curves</h2>\n<div class=\"charts\">");
            if (!c.rounds().isEmpty()) {
                List<double[]> pts = new ArrayList<>();
                c.rounds().forEach(r -> pts.add(new double[] {r.round(), r.loss()}));
                h.append(chart("chart-round-loss", "Training loss per averaging round", "round", List.of(pts),
                        List.of("training loss")));
            }
            if (!c.epochs().isEmpty()) {
                List<double[]> acc = new ArrayList<>();
                List<double[]> loss = new ArrayList<>();
                for (int i = 0; i < c.epochs().size(); i++) {
                    acc.add(new double[] {i + 1, c.epochs().get(i).accuracy()});
                    loss.add(new double[] {i + 1, c.epochs().get(i).loss()});
                }
                h.append(chart("chart-epoch-accuracy", "Held-out accuracy per epoch", "epoch", List.of(acc),
                        List.of("accuracy")));
                h.append(chart("chart-epoch-loss", "Held-out loss per epoch", "epoch", List.of(loss),
                        List.of("held-out loss")));
            }
            h.append("</div>\n");
        }
        h.append("<h2>Per class</h2>\n").append(perClass(c.last()));
        h.append("<h2>Confusion matrix</h2>\n<p class=\"note\">Rows: true class; columns: predicted. Shade: share of "
                + "the row.</p>\n").append(confusion(c.last()));
        h.append("<h2>Most confidently misclassified</h2>\n").append(misses(c.misses()));
        if (!c.workers().isEmpty()) {
            h.append("<h2>Workers</h2>\n").append(workers(c.workers()));
        }
        h.append("<h2>Configuration</h2>\n").append(configuration(c.config()));
        // The configuration has its own table above.
        Map<String, Object> provenance = new java.util.LinkedHashMap<>(c.provenance());
        provenance.remove("config");
        h.append("<h2>Provenance</h2>\n<pre>").append(esc(json(provenance))).append("</pre>\n");
        h.append("</body></html>\n");
        return h.toString();
    }

    private static final String CSS = "body{font-family:sans-serif;margin:2em;max-width:1200px;color:#222}"
            + "h1{margin-bottom:0}.sub{color:#555;margin-top:.3em}table{border-collapse:collapse;margin:.5em 0}"
            + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}"
            + "td.l,th.l{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:1em}"
            + "pre{background:#f7f7f7;padding:1em;overflow:auto;max-height:30em;font-size:12px}"
            + ".grid{display:flex;flex-wrap:wrap;gap:10px}.miss{width:112px;font-size:11px;text-align:center}"
            + ".miss img{width:112px;height:112px;image-rendering:pixelated;border:1px solid #999}.note{color:#666}";

    /** A line chart of one or more series of (x, y) points, as inline SVG. */
    static String chart(String id, String title, String xLabel, List<List<double[]>> series, List<String> names) {
        int w = 420;
        int hgt = 260;
        int left = 55;
        int right = 15;
        int top = 30;
        int bottom = 40;
        double minX = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double minY = Double.MAX_VALUE;
        double maxY = -Double.MAX_VALUE;
        for (List<double[]> s : series) {
            for (double[] p : s) {
                if (Double.isFinite(p[1])) {
                    minX = Math.min(minX, p[0]);
                    maxX = Math.max(maxX, p[0]);
                    minY = Math.min(minY, p[1]);
                    maxY = Math.max(maxY, p[1]);
                }
            }
        }
        if (minX > maxX) {
            minX = 1;
            maxX = 1;
            minY = 0;
            maxY = 1;
        }
        // A single epoch or a flat curve: centre it in a window around its value rather than in a corner.
        if (maxX == minX) {
            minX -= 1;
            maxX += 1;
        }
        if (maxY == minY) {
            double pad = minY == 0 ? 0.5 : Math.abs(minY) * 0.1;
            minY -= pad;
            maxY += pad;
        }
        double[] xTicks = ticks(minX, maxX, 6, true);
        double[] yTicks = ticks(minY, maxY, 4, false);
        double x0 = xTicks[0];
        double x1 = xTicks[xTicks.length - 1];
        double y0 = yTicks[0];
        double y1 = yTicks[yTicks.length - 1];
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                + "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\"><title>%s</title>", id, w, hgt, w, hgt, esc(title)));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"13\">%s</text>", left, esc(title)));
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#999\"/>", left, top, w - left - right, hgt - top - bottom));
        for (double v : yTicks) {
            double y = top + (hgt - top - bottom) * (1 - (v - y0) / (y1 - y0));
            s.append(String.format(Locale.ROOT, "<text class=\"y-tick\" x=\"%d\" y=\"%.1f\" font-size=\"10\" "
                    + "text-anchor=\"end\">%s</text><line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
                    + "stroke=\"#eee\"/>", left - 4, y + 3, tick(v), left, w - right, y, y));
        }
        for (double v : xTicks) {
            double x = left + (w - left - right) * (v - x0) / (x1 - x0);
            s.append(String.format(Locale.ROOT, "<text class=\"x-tick\" x=\"%.1f\" y=\"%d\" font-size=\"10\" "
                    + "text-anchor=\"middle\">%s</text>", x, hgt - bottom + 14, tick(v)));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>",
                (left + w - right) / 2, hgt - 8, esc(xLabel)));
        String[] colours = {"#1f77b4", "#d62728", "#2ca02c"};
        for (int k = 0; k < series.size(); k++) {
            StringBuilder pts = new StringBuilder();
            StringBuilder dots = new StringBuilder();
            for (double[] p : series.get(k)) {
                if (!Double.isFinite(p[1])) {
                    continue;
                }
                double x = left + (w - left - right) * (p[0] - x0) / (x1 - x0);
                double y = top + (hgt - top - bottom) * (1 - (p[1] - y0) / (y1 - y0));
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                if (series.get(k).size() <= 60) {
                    dots.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>", x, y,
                            colours[k % colours.length]));
                }
            }
            s.append("<polyline class=\"series\" fill=\"none\" stroke-width=\"1.5\" stroke=\"")
                    .append(colours[k % colours.length]).append("\" points=\"").append(pts.toString().trim())
                    .append("\"><title>").append(esc(names.get(k))).append("</title></polyline>").append(dots);
        }
        return s.append("</svg>").toString();
    }

    /**
     * Round axis values covering [lo, hi]: about {@code target} steps of 1, 2 or 5 times a power of ten (at least
     * 1 on an axis of counts), from a multiple of the step at or below lo to one at or above hi.
     */
    static double[] ticks(double lo, double hi, int target, boolean counts) {
        double raw = (hi - lo) / target;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double r = raw / magnitude;
        double step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * magnitude;
        if (counts) {
            step = Math.max(1, Math.rint(step));
        }
        long first = (long) Math.floor(lo / step + 1e-9);
        long last = (long) Math.ceil(hi / step - 1e-9);
        double[] ticks = new double[(int) (last - first + 1)];
        for (int i = 0; i < ticks.length; i++) {
            ticks[i] = (first + i) * step;
        }
        return ticks;
    }

    /** An axis value with no more digits than its step needs (0.1 + 0.2 prints as 0.3). */
    private static String tick(double v) {
        return new java.math.BigDecimal(v).round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString();
    }

    private static String perClass(Metrics m) {
        StringBuilder t = new StringBuilder("<table id=\"per-class\"><tr><th class=\"l\">class</th><th>precision</th>"
                + "<th>recall</th><th>F1</th><th>images</th></tr>");
        for (int i = 0; i < m.labels().size(); i++) {
            long n = 0;
            for (long v : m.confusion()[i]) {
                n += v;
            }
            t.append(String.format(Locale.ROOT, "<tr><td class=\"l\">%s</td><td>%.4f</td><td>%.4f</td><td>%.4f</td>"
                    + "<td>%d</td></tr>", esc(m.labels().get(i)), m.precision()[i], m.recall()[i], m.f1()[i], n));
        }
        return t.append("</table>\n").toString();
    }

    private static String confusion(Metrics m) {
        StringBuilder t = new StringBuilder("<table id=\"confusion\"><tr><th class=\"l\">true \\ predicted</th>");
        m.labels().forEach(l -> t.append("<th>").append(esc(l)).append("</th>"));
        t.append("</tr>");
        for (int i = 0; i < m.labels().size(); i++) {
            long row = 0;
            for (long v : m.confusion()[i]) {
                row += v;
            }
            t.append("<tr><th class=\"l\">").append(esc(m.labels().get(i))).append("</th>");
            for (int j = 0; j < m.labels().size(); j++) {
                long v = m.confusion()[i][j];
                double share = row == 0 ? 0 : (double) v / row;
                String colour = i == j ? "31,119,180" : "214,39,40";
                t.append(String.format(Locale.ROOT, "<td style=\"background:rgba(%s,%.3f)\">%d</td>", colour,
                        0.85 * share, v));
            }
            t.append("</tr>");
        }
        return t.append("</table>\n").toString();
    }

    private static String misses(List<Mistake> misses) {
        if (misses.isEmpty()) {
            return "<p class=\"note\">None: every held-out image was classified correctly.</p>\n";
        }
        StringBuilder g = new StringBuilder("<div class=\"grid\" id=\"misses\">");
        for (Mistake m : misses) {
            g.append("<div class=\"miss\"><img alt=\"misclassified\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(png(m))).append("\">");
            if (m.saliency() != null) {
                g.append("<img class=\"saliency\" alt=\"where the network looked for ").append(esc(m.predicted()))
                        .append("\" title=\"red: where covering the image lowers the probability of ")
                        .append(esc(m.predicted())).append(" most\" src=\"data:image/png;base64,")
                        .append(Base64.getEncoder().encodeToString(SaliencyOverlay.png(m.pixels(), m.saliency(),
                                m.channels(), m.height(), m.width(), 0))).append("\">");
            }
            g.append("<br>true <b>")
                    .append(esc(m.trueLabel())).append("</b><br>predicted <b>").append(esc(m.predicted()))
                    .append(String.format(Locale.ROOT, "</b> (%.3f)</div>", m.probability()));
        }
        return g.append("</div>\n").toString();
    }

    private static String workers(List<Map<String, Object>> workers) {
        List<String> keys = new ArrayList<>(workers.get(0).keySet());
        StringBuilder t = new StringBuilder("<table id=\"workers\"><tr>");
        keys.forEach(k -> t.append("<th>").append(esc(k)).append("</th>"));
        t.append("</tr>");
        for (Map<String, Object> w : workers) {
            t.append("<tr>");
            keys.forEach(k -> t.append("<td>").append(esc(value(w.get(k)))).append("</td>"));
            t.append("</tr>");
        }
        return t.append("</table>\n").toString();
    }

    /** Every configuration key with its value, one row each. */
    private static String configuration(Map<String, String> config) {
        StringBuilder t = new StringBuilder("<table id=\"config\">");
        config.forEach((k, v) -> t.append("<tr><th class=\"l\">").append(esc(k)).append("</th><td class=\"l\">")
                .append(esc(v)).append("</td></tr>"));
        return t.append("</table>\n").toString();
    }

    private static String keyValues(Map<String, Object> m) {
        StringBuilder t = new StringBuilder("<table id=\"comparison\">");
        m.forEach((k, v) -> t.append("<tr><th class=\"l\">").append(esc(k)).append("</th><td class=\"l\">")
                .append(esc(value(v))).append("</td></tr>"));
        return t.append("</table>\n").toString();
    }

    private static String value(Object v) {
        return v instanceof Double d ? number(d) : String.valueOf(v);
    }

    /** A grey or RGB PNG of an image's [0, 1] pixels. */
    static byte[] png(Mistake m) {
        BufferedImage img = new BufferedImage(m.width(), m.height(),
                m.channels() == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        int plane = m.width() * m.height();
        for (int y = 0; y < m.height(); y++) {
            for (int x = 0; x < m.width(); x++) {
                int i = y * m.width() + x;
                if (m.channels() == 1) {
                    img.getRaster().setSample(x, y, 0, level(m.pixels()[i]));
                } else {
                    img.setRGB(x, y, level(m.pixels()[i]) << 16 | level(m.pixels()[plane + i]) << 8
                            | level(m.pixels()[2 * plane + i]));
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static int level(float v) {
        return Math.max(0, Math.min(255, Math.round(v * 255)));
    }

    private static String number(double v) {
        return Math.abs(v) >= 1000 || v == Math.rint(v) && Math.abs(v) < 1e6
                ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.4g", v);
    }

    private static String json(Map<String, Object> m) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m);
        } catch (IOException e) {
            return String.valueOf(m);
        }
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
