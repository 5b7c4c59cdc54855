package io.sparkcnn.bench;

import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.config.NormalisationKind;
import io.sparkcnn.config.ResizePolicy;
import io.sparkcnn.data.FolderWalker;
import io.sparkcnn.data.ImageDecoder;
import io.sparkcnn.data.LakeFileReader;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Single-thread ingestion costs on a folder lake, each variant timed in interleaved rounds (the machine
 * is shared and noisy), medians reported: listing, reading bytes through Hadoop's FileSystem, bare
 * {@code ImageIO.read}, and {@link ImageDecoder} (ImageIO plus conversion to a CHW float tensor).
 * Usage: IngestBench LAKE_FOLDER [FILES] [ROUNDS] [JSON_OUT]
 */
public final class IngestBench {
    public static void main(String[] args) throws Exception {
        io.sparkcnn.train.OpenBlasCore.prepare(); // as the command line does, before ND4J loads
        String lake = args[0];
        int limit = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        String jsonOut = args.length > 3 ? args[3] : "target/bench/bench-ingest.json";
        Configuration conf = new Configuration();
        ImageIO.setUseCache(false);

        List<String> uris = new ArrayList<>();
        for (FolderWalker.Entry e : FolderWalker.walk(new Path(lake), conf)) {
            if (uris.size() < limit && e.uri().endsWith(".png")) {
                uris.add(e.uri());
            }
        }
        int n = uris.size();
        LakeFileReader reader = new LakeFileReader(conf);
        List<byte[]> bytes = new ArrayList<>(n);
        for (String uri : uris) {
            bytes.add(reader.read(uri));
        }
        ImageDecoder decoder = new ImageDecoder(new ImageConfig(28, 28, 1, ResizePolicy.ERROR, NormalisationKind.UNIT));

        Map<String, double[]> perSecond = new LinkedHashMap<>();
        String[] variants = {"list (files/s)", "read bytes via Hadoop FS", "ImageIO.read only", "ImageDecoder to CHW floats"};
        for (String v : variants) {
            perSecond.put(v, new double[rounds]);
        }
        long sink = 0;
        for (int r = 0; r < rounds; r++) {
            long t = System.nanoTime();
            sink += FolderWalker.walk(new Path(lake), conf).size();
            double listSeconds = (System.nanoTime() - t) / 1e9;
            int listed = FolderWalker.walk(new Path(lake), conf).size();
            perSecond.get(variants[0])[r] = listed / listSeconds;

            t = System.nanoTime();
            for (String uri : uris) {
                sink += reader.read(uri).length;
            }
            perSecond.get(variants[1])[r] = n / ((System.nanoTime() - t) / 1e9);

            t = System.nanoTime();
            for (byte[] b : bytes) {
                sink += ImageIO.read(new ByteArrayInputStream(b)).getWidth();
            }
            perSecond.get(variants[2])[r] = n / ((System.nanoTime() - t) / 1e9);

            t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sink += decoder.decode(bytes.get(i), uris.get(i)).pixels().length;
            }
            perSecond.get(variants[3])[r] = n / ((System.nanoTime() - t) / 1e9);
        }

        System.out.printf("%nIngestion, one thread, %d PNG files of %s, %d interleaved rounds (median, min-max)%n",
                n, lake, rounds);
        System.out.printf("%-30s %12s %12s %12s%n", "variant", "per second", "min", "max");
        StringBuilder json = new StringBuilder("{\n  \"files\": " + n + ",\n  \"rounds\": " + rounds + ",\n  \"perSecond\": {");
        String sep = "\n";
        for (var e : perSecond.entrySet()) {
            double[] v = e.getValue().clone();
            Arrays.sort(v);
            double median = v[v.length / 2];
            System.out.printf("%-30s %12.0f %12.0f %12.0f%n", e.getKey(), median, v[0], v[v.length - 1]);
            json.append(sep).append("    \"").append(e.getKey()).append("\": {\"median\": ").append(Math.round(median))
                    .append(", \"min\": ").append(Math.round(v[0])).append(", \"max\": ")
                    .append(Math.round(v[v.length - 1])).append('}');
            sep = ",\n";
        }
        json.append("\n  }\n}\n");
        java.nio.file.Path out = java.nio.file.Path.of(jsonOut);
        Files.createDirectories(out.getParent());
        Files.writeString(out, json);
        System.out.println("(checksum " + sink + ") wrote " + out);
    }
}
