package io.sparkcnn.testing;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Generates real image files for tests: every pixel is a known function of (x, y, seed). */
public final class Images {
    private Images() {
    }

    /** A grey 8-bit image whose pixel (x, y) is {@code (seed * 31 + x * 7 + y * 13) & 0xff}. */
    public static BufferedImage grey(int w, int h, int seed) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, greyValue(x, y, seed));
            }
        }
        return img;
    }

    public static int greyValue(int x, int y, int seed) {
        return (seed * 31 + x * 7 + y * 13) & 0xff;
    }

    /** An RGB image with random pixels from {@code seed}. */
    public static BufferedImage rgb(int w, int h, int type, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, 0xff000000 | r.nextInt(1 << 24));
            }
        }
        return img;
    }

    public static byte[] encode(BufferedImage img, String format) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalArgumentException("no writer for " + format + " and image type " + img.getType());
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a 28x28 grey PNG whose pixels are {@code mean} plus uniform noise in [-noise, noise] drawn from
     * {@code seed}: classes with close means are hard to tell apart pixel by pixel, learnable on average.
     */
    public static Path writeNoisyPng(Path file, int mean, int noise, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                img.getRaster().setSample(x, y, 0, Math.max(0, Math.min(255, mean + r.nextInt(2 * noise + 1) - noise)));
            }
        }
        return write(file, encode(img, "png"));
    }

    /**
     * A small folder lake: {@code root/class<c>/<i>.png} for {@code classes} classes of {@code perClass} 28x28
     * grey PNGs whose pixels depend on the class (five variants each), so a network has something to learn.
     */
    public static Path lake(Path root, int classes, int perClass) {
        for (int c = 0; c < classes; c++) {
            for (int i = 0; i < perClass; i++) {
                writePng(root.resolve("class" + c + "/" + i + ".png"), c * 40 + i % 5);
            }
        }
        return root;
    }

    /** Writes a 28x28 grey PNG to {@code file}, creating folders. */
    public static Path writePng(Path file, int seed) {
        return write(file, encode(grey(28, 28, seed), "png"));
    }

    public static Path write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A real 8x8 PNG whose header then declares {@code width x height} pixels (its CRC recomputed). */
    public static byte[] pngDeclaring(int width, int height) {
        byte[] png = encode(grey(8, 8, 1), "png");
        java.nio.ByteBuffer.wrap(png, 16, 8).putInt(width).putInt(height);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(png, 12, 17); // "IHDR" and its 13 bytes of data
        java.nio.ByteBuffer.wrap(png, 29, 4).putInt((int) crc.getValue());
        return png;
    }

    /** A real 64x48 JPEG whose frame header (SOF0) then declares {@code width x height} pixels. */
    public static byte[] jpegDeclaring(int width, int height) {
        byte[] jpeg = encode(rgb(64, 48, BufferedImage.TYPE_3BYTE_BGR, 1), "jpeg");
        int sof = 2;
        while (!((jpeg[sof] & 0xff) == 0xff && (jpeg[sof + 1] & 0xff) == 0xc0)) {
            sof += 2 + (((jpeg[sof + 2] & 0xff) << 8) | (jpeg[sof + 3] & 0xff));
        }
        java.nio.ByteBuffer.wrap(jpeg, sof + 5, 4).putShort((short) height).putShort((short) width);
        return jpeg;
    }

    /**
     * A JPEG of a 4-band raster as Photoshop writes CMYK ({@code transform} 0) or YCCK (2): the JDK's writer, then
     * an Adobe APP14 segment after the start-of-image marker, without an ICC profile.
     */
    public static byte[] adobeJpeg(int width, int height, int transform) throws java.io.IOException {
        java.awt.image.WritableRaster r = java.awt.image.Raster.createInterleavedRaster(
                java.awt.image.DataBuffer.TYPE_BYTE, width, height, 4, null);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                r.setPixel(x, y, new int[] {x * 6, y * 8, 100, 20});
            }
        }
        javax.imageio.ImageWriter writer = null;
        for (var it = javax.imageio.ImageIO.getImageWritersByFormatName("jpeg"); it.hasNext(); ) {
            javax.imageio.ImageWriter w = it.next();
            if (w.getClass().getName().startsWith("com.sun.")) {
                writer = w;
            }
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (var ios = javax.imageio.ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new javax.imageio.IIOImage(r, null, null), null);
        }
        byte[] plain = out.toByteArray();
        byte[] app14 = {(byte) 0xff, (byte) 0xee, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, (byte) transform};
        byte[] jpeg = new byte[plain.length + app14.length];
        System.arraycopy(plain, 0, jpeg, 0, 2);
        System.arraycopy(app14, 0, jpeg, 2, app14.length);
        System.arraycopy(plain, 2, jpeg, 2 + app14.length, plain.length - 2);
        return jpeg;
    }
}
