package io.sparkcnn.data;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxReaderTest {
    static final Path FASHION = Path.of(FashionMnistImporter.DEBIAN_SOURCE);

    static void requireFashionMnist() {
        assertTrue(Files.isDirectory(FASHION), "Fashion-MNIST is missing at " + FASHION
                + ": the README's test command (scripts/test.sh) installs Debian's dataset-fashion-mnist");
    }

    @Test
    void readsTheRealFashionMnistFiles() throws IOException {
        requireFashionMnist();
        IdxImages train;
        try (InputStream in = new FileInputStream(FASHION.resolve("train-images-idx3-ubyte.gz").toFile())) {
            train = IdxReader.readImages(in, "train-images");
        }
        assertEquals(60_000, train.count());
        assertEquals(28, train.rows());
        assertEquals(28, train.cols());
        byte[] labels;
        try (InputStream in = new FileInputStream(FASHION.resolve("train-labels-idx1-ubyte.gz").toFile())) {
            labels = IdxReader.readLabels(in, "train-labels");
        }
        assertEquals(60_000, labels.length);
        int[] perClass = new int[10];
        for (byte b : labels) {
            perClass[b]++;
        }
        assertArrayEquals(new int[] {6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000}, perClass);
        // Fashion-MNIST's first training image is an ankle boot (label 9), framed by black borders.
        assertEquals(9, labels[0]);
        assertEquals(0, train.image(0)[0]);
    }

    private static byte[] idx(int magic, int[] dims, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + dataBytes);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        for (int i = 0; i < dataBytes; i++) {
            b.put((byte) i);
        }
        return b.array();
    }

    @Test
    void readsPlainAndGzippedSyntheticFiles() throws IOException {
        byte[] plain = idx(0x803, new int[] {2, 3, 4}, 24);
        IdxImages images = IdxReader.readImages(new ByteArrayInputStream(plain), "plain");
        assertEquals(2, images.count());
        assertArrayEquals(new byte[] {12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23}, images.image(1));
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(plain);
        }
        assertArrayEquals(images.pixels(),
                IdxReader.readImages(new ByteArrayInputStream(gz.toByteArray()), "gz").pixels());
    }

    @Test
    void badFilesFailNamingTheFileAndTheProblem() {
        IOException truncated = assertThrows(IOException.class, () -> IdxReader.readImages(
                new ByteArrayInputStream(idx(0x803, new int[] {2, 3, 4}, 20)), "short.idx"));
        assertTrue(truncated.getMessage().contains("short.idx: truncated"), truncated.getMessage());
        assertTrue(truncated.getMessage().contains("24"), truncated.getMessage());

        IOException magic = assertThrows(IOException.class, () -> IdxReader.readImages(
                new ByteArrayInputStream(idx(0x801, new int[] {24}, 24)), "labels-as-images.idx"));
        assertTrue(magic.getMessage().contains("labels-as-images.idx: not an IDX file"), magic.getMessage());

        IOException empty = assertThrows(IOException.class,
                () -> IdxReader.readLabels(new ByteArrayInputStream(new byte[0]), "empty.idx"));
        assertTrue(empty.getMessage().startsWith("empty.idx"), empty.getMessage());

        IOException trailing = assertThrows(IOException.class, () -> IdxReader.readLabels(
                new ByteArrayInputStream(idx(0x801, new int[] {3}, 5)), "long.idx"));
        assertTrue(trailing.getMessage().contains("after"), trailing.getMessage());
    }
}
