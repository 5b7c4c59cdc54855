package io.sparkcnn.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.config.NormalisationKind;
import io.sparkcnn.config.ResizePolicy;
import io.sparkcnn.data.BadImageException;
import io.sparkcnn.data.ImageDecoder;
import io.sparkcnn.testing.Images;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What refusing each kind of bad input costs the decoder, against what reading a good file's header and
 * decoding a good file cost: time per file (median of interleaved rounds) and heap allocated per file (the
 * thread's allocation counter, which bounds what the file can add to a task's peak memory). A refusal should
 * cost about what reading a header costs, whatever size the file declares.
 * Usage: BadInputBench [ROUNDS] [JSON_OUT]
 */
public final class BadInputBench {
    private record Case(String name, byte[] bytes, String fileName, ImageDecoder decoder) {
    }

    public static void main(String[] args) throws Exception {
        io.sparkcnn.train.OpenBlasCore.prepare(); // as the command line does, before ND4J loads
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        String jsonOut = args.length > 1 ? args[1] : "target/bench/bench-bad-inputs.json";
        ImageIO.setUseCache(false);
        ImageDecoder small = new ImageDecoder(new ImageConfig(28, 28, 1, ResizePolicy.RESIZE, NormalisationKind.UNIT));
        ImageDecoder photo = new ImageDecoder(new ImageConfig(96, 96, 3, ResizePolicy.RESIZE, NormalisationKind.UNIT));
        byte[] goodPng = Images.encode(Images.grey(28, 28, 1), "png");
        byte[] jpeg = Images.encode(Images.rgb(64, 48, BufferedImage.TYPE_3BYTE_BGR, 1), "jpeg");
        byte[] bigJpeg = Images.encode(Images.rgb(4000, 3000, BufferedImage.TYPE_3BYTE_BGR, 2), "jpeg");
        List<Case> cases = List.of(
                new Case("good 28x28 PNG", goodPng, "a.png", small),
                new Case("PNG header declaring 40000x40000", Images.pngDeclaring(40_000, 40_000), "bomb.png", small),
                new Case("JPEG header declaring 40000x40000", Arrays.copyOf(Images.jpegDeclaring(40_000, 40_000), 600),
                        "bomb.jpg", small),
                new Case("truncated 64x48 JPEG", Arrays.copyOf(jpeg, jpeg.length / 2), "cut.jpg", small),
                new Case("not an image", "hello, world".repeat(100).getBytes(), "t.png", small),
                new Case("empty file", new byte[0], "e.png", small),
                new Case("CMYK 40x30 JPEG", Images.adobeJpeg(40, 30, 0), "cmyk.jpg", small),
                new Case("4000x3000 JPEG to 96x96 (subsampled)", bigJpeg, "big.jpg", photo));
        Map<String, List<Double>> millis = new LinkedHashMap<>();
        Map<String, List<Double>> allocated = new LinkedHashMap<>();
        Map<String, String> outcome = new LinkedHashMap<>();
        String header = "reading a good PNG's header";
        for (int r = 0; r < rounds; r++) {
            measure(header, () -> headerOnly(goodPng), millis, allocated);
            for (Case c : cases) {
                measure(c.name(), () -> outcome.put(c.name(), decode(c)), millis, allocated);
            }
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("cpu", io.sparkcnn.config.BuildInfo.cpu());
        json.put("rounds", rounds);
        List<Map<String, Object>> rows = new ArrayList<>();
        System.out.printf(Locale.ROOT, "%-40s %12s %14s  %s%n", "input", "ms per file", "MB allocated", "outcome");
        for (String name : millis.keySet()) {
            double ms = Medians.of(millis.get(name));
            double mb = Medians.of(allocated.get(name)) / 1e6;
            String result = outcome.getOrDefault(name, "header read");
            System.out.printf(Locale.ROOT, "%-40s %12.3f %14.3f  %s%n", name, ms, mb, result);
            rows.add(Map.of("input", name, "millisPerFile", ms, "megabytesAllocated", mb, "outcome", result));
        }
        json.put("rows", rows);
        Path out = Path.of(jsonOut);
        Files.createDirectories(out.getParent());
        Files.writeString(out, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
        System.out.println("wrote " + out);
    }

    private interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} repeatedly for about 200 ms; records the time and heap allocated per run. */
    private static void measure(String name, Body body, Map<String, List<Double>> millis,
                                Map<String, List<Double>> allocated) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        body.run();
        int n = 0;
        long bytes0 = threads.getThreadAllocatedBytes(id);
        long t0 = System.nanoTime();
        do {
            body.run();
            n++;
        } while (System.nanoTime() - t0 < 200_000_000L);
        long t1 = System.nanoTime();
        long bytes1 = threads.getThreadAllocatedBytes(id);
        millis.computeIfAbsent(name, k -> new ArrayList<>()).add((t1 - t0) / 1e6 / n);
        allocated.computeIfAbsent(name, k -> new ArrayList<>()).add((double) (bytes1 - bytes0) / n);
    }

    private static String decode(Case c) {
        try {
            c.decoder().decode(c.bytes(), c.fileName());
            return "decoded";
        } catch (BadImageException e) {
            String m = e.getMessage();
            return "refused: " + (m.length() > 60 ? m.substring(0, 60) + "..." : m);
        }
    }

    private static void headerOnly(byte[] png) throws Exception {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(png))) {
            ImageReader reader = ImageIO.getImageReaders(in).next();
            reader.setInput(in, true, true);
            reader.getWidth(0);
            reader.dispose();
        }
    }
}
