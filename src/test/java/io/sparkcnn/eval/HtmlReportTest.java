package io.sparkcnn.eval;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report's content: charts, tables, heat map, inline images, escaping, no external resource. */
class HtmlReportTest {
    static Metrics metrics(List<String> labels, long[][] confusion, double accuracy) {
        int k = labels.size();
        long n = 0;
        for (long[] row : confusion) {
            for (long v : row) {
                n += v;
            }
        }
        return new Metrics(labels, n, 0.5, accuracy, 0.6, new double[k], new double[k], new double[k], confusion);
    }

    static HtmlReport.Content content(List<Mistake> misses) {
        List<String> labels = List.of("shoe", "<script>alert(1)</script>");
        Metrics m = metrics(labels, new long[][] {{8, 2}, {1, 9}}, 0.85);
        List<RoundLoss> rounds = new ArrayList<>();
        for (int i = 1; i <= 30; i++) {
            rounds.add(new RoundLoss(i, 1 + i / 15, 2.0 / i));
        }
        return new HtmlReport.Content("a <test> run", "train", rounds, List.of(metrics(labels, new long[][] {{5, 5},
                {5, 5}}, 0.5), m), m, List.of(Map.of("worker", 0, "images", 100, "imagesPerSecond", 512.5)),
                Map.of("seed", "42"), "driver CpuBackend", Map.of("seed", 42), misses, Map.of());
    }

    @Test
    void theReportHasItsChartsTablesAndImagesInlineAndEscapesNames() throws IOException {
        float[] grey = new float[28 * 28];
        grey[0] = 1f;
        float[] rgb = new float[3 * 4 * 4];
        rgb[0] = 1f; // red at (0, 0)
        String html = HtmlReport.render(content(List.of(
                new Mistake(grey, 1, 28, 28, "shoe", "bag", 0.97),
                new Mistake(rgb, 3, 4, 4, "bag", "shoe", 0.91))));
        for (String id : List.of("chart-round-loss", "chart-epoch-accuracy", "chart-epoch-loss", "per-class",
                "confusion", "misses", "workers")) {
            assertTrue(html.contains("id=\"" + id + "\""), id);
        }
        assertFalse(html.contains("<script>"), "class names are escaped");
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assertFalse(html.matches("(?s).*(src|href)=\"(http|//).*"), "nothing to fetch from a network");
        assertEquals(3, countOf(html, "<polyline"), "one line per chart");
        assertTrue(html.contains("rgba(31,119,180,0.680)"), "diagonal shaded by the row's share: 8/10 x 0.85");

        Matcher png = Pattern.compile("data:image/png;base64,([A-Za-z0-9+/=]+)").matcher(html);
        List<BufferedImage> images = new ArrayList<>();
        while (png.find()) {
            images.add(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(png.group(1)))));
        }
        assertEquals(2, images.size());
        assertEquals(28, images.get(0).getWidth());
        assertEquals(255, images.get(0).getRaster().getSample(0, 0, 0));
        assertEquals(0xff0000, images.get(1).getRGB(0, 0) & 0xffffff);
        assertTrue(html.indexOf("0.970") < html.indexOf("0.910"), "most confident first");
    }

    @Test
    void anExplainedMistakeShowsItsSaliencyInRedOverTheImage() throws IOException {
        float[] grey = new float[4 * 4];
        float[] map = new float[4 * 4];
        map[5] = 0.4f; // the network looked at (1, 1)
        map[6] = 0.1f;
        String html = HtmlReport.render(content(List.of(new Mistake(grey, 1, 4, 4, "shoe", "bag", 0.9)
                .withSaliency(map))));
        assertTrue(html.contains("class=\"saliency\" alt=\"where the network looked for bag\""), html);
        Matcher png = Pattern.compile("class=\"saliency\"[^>]*src=\"data:image/png;base64,([A-Za-z0-9+/=]+)")
                .matcher(html);
        assertTrue(png.find());
        BufferedImage overlay = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(png.group(1))));
        assertEquals(4, overlay.getWidth(), "the report's own scale; the page enlarges it");
        assertEquals(0xff0000, overlay.getRGB(1, 1) & 0xffffff, "the most salient pixel is fully red");
        assertEquals(0x000000, overlay.getRGB(3, 3) & 0xffffff, "a pixel that did not matter keeps its grey");
        assertTrue((overlay.getRGB(2, 1) >> 16 & 0xff) > 0 && (overlay.getRGB(2, 1) >> 16 & 0xff) < 255);
    }

    @Test
    void aRunWithoutMistakesOrEpochsSaysSo() {
        HtmlReport.Content c = content(List.of());
        String html = HtmlReport.render(new HtmlReport.Content(c.title(), "evaluate", List.of(), List.of(), c.last(),
                List.of(), c.config(), c.backend(), c.provenance(), List.of(), Map.of("decision", "promoted")));
        assertTrue(html.contains("every held-out image was classified correctly"));
        assertFalse(html.contains("<svg"));
        assertTrue(html.contains("id=\"comparison\"") && html.contains("promoted"));
    }

    @Test
    void axesTickAtRoundValuesAndASingleEpochSitsInTheMiddle() {
        String svg = HtmlReport.chart("c", "accuracy", "epoch", List.of(List.of(new double[] {1, 0.8712})),
                List.of("accuracy"));
        Matcher dot = Pattern.compile("<circle cx=\"([0-9.]+)\" cy=\"([0-9.]+)\"").matcher(svg);
        assertTrue(dot.find(), svg);
        double cx = Double.parseDouble(dot.group(1));
        double cy = Double.parseDouble(dot.group(2));
        assertTrue(cx > 150 && cx < 330, "horizontally inside the plot, not in a corner: " + cx);
        assertTrue(cy > 60 && cy < 200, "vertically inside the plot: " + cy);
        assertEquals(List.of("0", "1", "2"), tickLabels(svg, "x-tick"), "epochs tick at whole numbers");

        String losses = HtmlReport.chart("l", "loss", "round", List.of(List.of(new double[] {1, 0.9137},
                new double[] {37, 0.3712}, new double[] {94, 0.2861})), List.of("loss"));
        List<String> y = tickLabels(losses, "y-tick");
        assertEquals(List.of("0.2", "0.4", "0.6", "0.8", "1"), y, "round values that cover the data");
        assertEquals(List.of("0", "20", "40", "60", "80", "100"), tickLabels(losses, "x-tick"));
    }

    @Test
    void tickStepsAreOneTwoOrFiveTimesAPowerOfTen() {
        assertArrayEquals(new double[] {0.35, 0.36, 0.37, 0.38}, HtmlReport.ticks(0.351, 0.379, 4, false), 1e-12);
        assertArrayEquals(new double[] {0, 5, 10, 15}, HtmlReport.ticks(1, 14, 4, true), 1e-12);
        assertArrayEquals(new double[] {0, 1, 2}, HtmlReport.ticks(0, 2, 6, true), 1e-12, "counts step by 1 at least");
    }

    private static List<String> tickLabels(String svg, String kind) {
        Matcher m = Pattern.compile("<text class=\"" + kind + "\"[^>]*>([^<]*)</text>").matcher(svg);
        List<String> labels = new ArrayList<>();
        while (m.find()) {
            labels.add(m.group(1));
        }
        return labels;
    }

    private static int countOf(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
