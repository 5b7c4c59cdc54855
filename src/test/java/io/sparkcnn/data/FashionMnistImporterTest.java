package io.sparkcnn.data;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FashionMnistImporterTest {
    private static final int LIMIT = 300;

    @TempDir
    Path out;

    private static IdxImages images(String file) throws IOException {
        try (InputStream in = new FileInputStream(IdxReaderTest.FASHION.resolve(file).toFile())) {
            return IdxReader.readImages(in, file);
        }
    }

    private static byte[] labels(String file) throws IOException {
        try (InputStream in = new FileInputStream(IdxReaderTest.FASHION.resolve(file).toFile())) {
            return IdxReader.readLabels(in, file);
        }
    }

    private List<Path> pngs() throws IOException {
        try (Stream<Path> files = Files.walk(out)) {
            return files.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
    }

    @Test
    void importIsLosslessAndPutsEveryImageInItsClassFolder() throws IOException {
        IdxReaderTest.requireFashionMnist();
        var results = new FashionMnistImporter(new Configuration()).importAll(IdxReaderTest.FASHION.toString(),
                out.toString(), LIMIT);
        assertEquals(LIMIT, results.get(0).written());
        assertEquals(LIMIT, results.get(1).written());
        assertEquals(2 * LIMIT, pngs().size());

        IdxImages train = images("train-images-idx3-ubyte.gz");
        byte[] trainLabels = labels("train-labels-idx1-ubyte.gz");
        IdxImages test = images("t10k-images-idx3-ubyte.gz");
        byte[] testLabels = labels("t10k-labels-idx1-ubyte.gz");
        for (int i = 0; i < LIMIT; i++) {
            assertPixels(train.image(i), out.resolve("train")
                    .resolve(FashionMnistImporter.CLASS_NAMES.get(trainLabels[i])).resolve(i + ".png"));
            assertPixels(test.image(i), out.resolve("test")
                    .resolve(FashionMnistImporter.CLASS_NAMES.get(testLabels[i])).resolve(i + ".png"));
        }
    }

    private static void assertPixels(byte[] expected, Path png) throws IOException {
        assertTrue(Files.isRegularFile(png), "missing " + png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(BufferedImage.TYPE_BYTE_GRAY, img.getType(), png + " is 8-bit grey");
        byte[] actual = new byte[28 * 28];
        img.getRaster().getDataElements(0, 0, 28, 28, actual);
        assertArrayEquals(expected, actual, png.toString());
    }

    @Test
    void reRunningIsANoOpAndAnInterruptedImportResumes() throws IOException {
        IdxReaderTest.requireFashionMnist();
        FashionMnistImporter importer = new FashionMnistImporter(new Configuration());
        String source = IdxReaderTest.FASHION.toString();
        importer.importAll(source, out.toString(), LIMIT);
        List<Path> first = pngs();

        var again = importer.importAll(source, out.toString(), LIMIT);
        assertTrue(again.get(0).skippedWhole() && again.get(1).skippedWhole());
        assertEquals(first, pngs(), "no duplicates");

        // Simulate a crash: no marker, a few images missing, a stale temporary file.
        Files.delete(out.resolve("train/_SUCCESS"));
        List<Path> train = first.stream().filter(p -> p.startsWith(out.resolve("train"))).toList();
        Files.delete(train.get(0));
        Files.delete(train.get(1));
        Path stale = train.get(2).resolveSibling(".999.png.tmp");
        Files.write(stale, new byte[] {1, 2});
        var resumed = importer.importAll(source, out.toString(), LIMIT);
        assertFalse(resumed.get(0).skippedWhole());
        assertEquals(2, resumed.get(0).written());
        assertEquals(LIMIT - 2, resumed.get(0).alreadyPresent());
        assertTrue(resumed.get(1).skippedWhole(), "the complete test split is left alone");
        assertEquals(first, pngs());
        assertTrue(Files.exists(out.resolve("train/_SUCCESS")));
    }

    @Test
    void missingSourceNamesTheFolderAndThePackage(@TempDir Path empty) {
        IOException e = assertThrows(IOException.class, () -> new FashionMnistImporter(new Configuration())
                .importAll(empty.toString(), out.toString(), 1));
        assertTrue(e.getMessage().contains(empty.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
    }
}
