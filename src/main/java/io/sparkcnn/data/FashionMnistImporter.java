package io.sparkcnn.data;

import org.apache.hadoop.conf.Configuration;
import java.io.OutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * Converts the official Fashion-MNIST IDX files into a folder lake {@code OUT/train/<class>/<n>.png} and
 * {@code OUT/test/<class>/<n>.png} on any Hadoop FileSystem, {@code n} being the image's index in its
 * IDX file. Grey 8-bit PNG is lossless. Idempotent: a finished split carries a {@code _SUCCESS} marker
 * and is skipped; an interrupted one resumes, because every image is written under a hidden temporary
 * name and renamed, and an existing final file is never written twice.
 */
public final class FashionMnistImporter {
    private static final Logger LOG = LoggerFactory.getLogger(FashionMnistImporter.class);

    /** Official class names (ids 0..9), as folder names. */
    public static final List<String> CLASS_NAMES = List.of("t-shirt-top", "trouser", "pullover", "dress", "coat",
            "sandal", "shirt", "sneaker", "bag", "ankle-boot");

    /** Where Debian's {@code dataset-fashion-mnist} package puts the files. */
    public static final String DEBIAN_SOURCE = "/usr/share/datasets/fashion-mnist";

    private static final String MARKER = "_SUCCESS";

    /** One split's outcome. */
    public record SplitResult(String split, int images, int written, int alreadyPresent, boolean skippedWhole) {
    }

    private final Configuration conf;

    public FashionMnistImporter(Configuration conf) {
        this.conf = conf;
    }

    /**
     * Imports both splits; {@code limit} > 0 imports only the first {@code limit} images of each (tests).
     */
    public List<SplitResult> importAll(String source, String out, int limit) throws IOException {
        Path outRoot = FileSystems.qualified(out, conf);
        return List.of(
                importSplit(source, "train", outRoot, limit),
                importSplit(source, "test", outRoot, limit));
    }

    private SplitResult importSplit(String source, String split, Path outRoot, int limit) throws IOException {
        String prefix = split.equals("train") ? "train" : "t10k";
        Path images = findIdx(source, prefix + "-images-idx3-ubyte");
        Path labels = findIdx(source, prefix + "-labels-idx1-ubyte");
        IdxImages idx;
        byte[] labelBytes;
        FileSystem srcFs = FileSystems.of(images, conf);
        try (InputStream in = srcFs.open(images)) {
            idx = IdxReader.readImages(in, images.toString());
        }
        try (InputStream in = srcFs.open(labels)) {
            labelBytes = IdxReader.readLabels(in, labels.toString());
        }
        if (labelBytes.length != idx.count()) {
            throw new IOException(labels + " holds " + labelBytes.length + " labels but " + images + " holds "
                    + idx.count() + " images");
        }
        int n = limit > 0 ? Math.min(limit, idx.count()) : idx.count();
        Path splitDir = new Path(outRoot, split);
        FileSystem fs = FileSystems.of(splitDir, conf);
        Path marker = new Path(splitDir, MARKER);
        String markerText = "images=" + n + "\n";
        if (fs.exists(marker) && markerText.equals(readSmall(fs, marker))) {
            LOG.info("{}: already imported ({} images), nothing to do", splitDir, n);
            return new SplitResult(split, n, 0, n, true);
        }
        for (int i = 0; i < n; i++) {
            if ((labelBytes[i] & 0xff) >= CLASS_NAMES.size()) {
                throw new IOException(labels + ": label " + (labelBytes[i] & 0xff) + " of image " + i
                        + " is not a Fashion-MNIST class (0-9)");
            }
        }
        Set<String> existing = existingFiles(fs, splitDir);
        AtomicInteger written = new AtomicInteger();
        AtomicInteger present = new AtomicInteger();
        long start = System.nanoTime();
        try {
            // Encoding and small-file writes are independent per image: use the cores.
            IntStream.range(0, n).parallel().forEach(i -> {
                String classDir = CLASS_NAMES.get(labelBytes[i] & 0xff);
                if (existing.contains(classDir + "/" + i + ".png")) {
                    present.incrementAndGet();
                    return;
                }
                Path target = new Path(new Path(splitDir, classDir), i + ".png");
                Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
                try {
                    try (OutputStream o = FileSystems.create(fs, tmp)) {
                        o.write(png(idx.image(i), idx.cols(), idx.rows()));
                    }
                    FileSystems.rename(fs, tmp, target);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                if (written.incrementAndGet() % 10_000 == 0) {
                    LOG.info("{}: {} images written", splitDir, written.get());
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        try (OutputStream o = FileSystems.create(fs, marker)) {
            o.write(markerText.getBytes(StandardCharsets.UTF_8));
        }
        LOG.info("{}: {} images ({} written, {} already there) in {} s", splitDir, n, written.get(), present.get(),
                String.format("%.1f", (System.nanoTime() - start) / 1e9));
        return new SplitResult(split, n, written.get(), present.get(), false);
    }

    /** {@code class/name} of every non-empty file already under the split folder. */
    private static Set<String> existingFiles(FileSystem fs, Path splitDir) throws IOException {
        Set<String> names = new HashSet<>();
        for (String classDir : CLASS_NAMES) {
            Path dir = new Path(splitDir, classDir);
            if (fs.exists(dir)) {
                for (FileStatus f : fs.listStatus(dir)) {
                    if (f.isFile() && f.getLen() > 0) {
                        names.add(classDir + "/" + f.getPath().getName());
                    }
                }
            }
        }
        return names;
    }

    private Path findIdx(String source, String base) throws IOException {
        // A source without a scheme is a local folder, whatever the default FileSystem (the output's) is.
        String folder = new Path(source).toUri().getScheme() == null
                ? new java.io.File(source).getAbsoluteFile().toURI().toString() : source;
        for (String name : List.of(base + ".gz", base)) {
            Path p = FileSystems.qualified(folder + "/" + name, conf);
            if (FileSystems.of(p, conf).exists(p)) {
                return p;
            }
        }
        throw new IOException("no " + base + "[.gz] under " + source
                + " (install Debian's dataset-fashion-mnist package, or pass --source DIR)");
    }

    private static String readSmall(FileSystem fs, Path p) throws IOException {
        try (InputStream in = fs.open(p)) {
            return new String(in.readNBytes(1024), StandardCharsets.UTF_8);
        }
    }

    /** A grey 8-bit PNG of row-major pixels. */
    static byte[] png(byte[] pixels, int width, int height) throws IOException {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, width, height, pixels);
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        ImageIO.setUseCache(false);
        if (!ImageIO.write(img, "png", out)) {
            throw new IOException("no PNG writer in this JVM");
        }
        return out.toByteArray();
    }
}
