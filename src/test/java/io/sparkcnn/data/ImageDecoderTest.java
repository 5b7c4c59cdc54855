package io.sparkcnn.data;

import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.config.NormalisationKind;
import io.sparkcnn.config.ResizePolicy;
import io.sparkcnn.testing.Images;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageDecoderTest {
    private static ImageDecoder decoder(int h, int w, int c, ResizePolicy resize) {
        return new ImageDecoder(new ImageConfig(h, w, c, resize, NormalisationKind.UNIT));
    }

    private static final ImageDecoder GREY_8X6 = decoder(6, 8, 1, ResizePolicy.ERROR);
    private static final ImageDecoder RGB_8X6 = decoder(6, 8, 3, ResizePolicy.ERROR);

    @Test
    void greyPngIsExactAndRowMajor() throws Exception {
        DecodedImage d = GREY_8X6.decode(Images.encode(Images.grey(8, 6, 5), "png"), "a.png");
        assertEquals("png 8x6 1ch 8-bit", d.kind());
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 8; x++) {
                assertEquals(Images.greyValue(x, y, 5) / 255f, d.pixels()[y * 8 + x], 0f, "pixel " + x + "," + y);
            }
        }
    }

    @Test
    void rgbPngGivesChwPlanesAndLumaForOneChannel() throws Exception {
        BufferedImage img = Images.rgb(8, 6, BufferedImage.TYPE_INT_RGB, 3);
        byte[] png = Images.encode(img, "png");
        float[] rgb = RGB_8X6.decode(png, "a.png").pixels();
        float[] grey = GREY_8X6.decode(png, "a.png").pixels();
        for (int i = 0; i < 48; i++) {
            int argb = img.getRGB(i % 8, i / 8);
            float r = ((argb >> 16) & 0xff) / 255f;
            float g = ((argb >> 8) & 0xff) / 255f;
            float b = (argb & 0xff) / 255f;
            assertEquals(r, rgb[i], 0f);
            assertEquals(g, rgb[48 + i], 0f);
            assertEquals(b, rgb[96 + i], 0f);
            assertEquals(0.299f * r + 0.587f * g + 0.114f * b, grey[i], 1e-6f);
        }
    }

    @Test
    void greyToRgbReplicatesTheChannel() throws Exception {
        float[] rgb = RGB_8X6.decode(Images.encode(Images.grey(8, 6, 1), "png"), "g.png").pixels();
        assertArrayEquals(Arrays.copyOfRange(rgb, 0, 48), Arrays.copyOfRange(rgb, 48, 96));
        assertArrayEquals(Arrays.copyOfRange(rgb, 0, 48), Arrays.copyOfRange(rgb, 96, 144));
    }

    @Test
    void rgbaDropsAlpha() throws Exception {
        BufferedImage img = new BufferedImage(8, 6, BufferedImage.TYPE_INT_ARGB);
        for (int i = 0; i < 48; i++) {
            img.setRGB(i % 8, i / 8, (i * 5) << 24 | 0x102030); // varying alpha, constant colour
        }
        DecodedImage d = RGB_8X6.decode(Images.encode(img, "png"), "a.png");
        assertEquals(4, d.sourceChannels());
        for (int i = 0; i < 48; i++) {
            assertEquals(0x10 / 255f, d.pixels()[i], 0f);
            assertEquals(0x20 / 255f, d.pixels()[48 + i], 0f);
            assertEquals(0x30 / 255f, d.pixels()[96 + i], 0f);
        }
    }

    @Test
    void sixteenBitGreyKeepsItsPrecision() throws Exception {
        BufferedImage img = new BufferedImage(8, 6, BufferedImage.TYPE_USHORT_GRAY);
        for (int i = 0; i < 48; i++) {
            img.getRaster().setSample(i % 8, i / 8, 0, i * 1001);
        }
        DecodedImage d = GREY_8X6.decode(Images.encode(img, "png"), "deep.png");
        assertEquals(16, d.bitDepth());
        for (int i = 0; i < 48; i++) {
            assertEquals(i * 1001 / 65535f, d.pixels()[i], 1e-7f);
        }
    }

    @Test
    void paletteImagesMapThroughThePalette() throws Exception {
        byte[] r = {0, (byte) 255, 0, 10};
        byte[] g = {0, 0, (byte) 255, 20};
        byte[] b = {0, 0, 0, 30};
        IndexColorModel palette = new IndexColorModel(2, 4, r, g, b);
        BufferedImage img = new BufferedImage(8, 6, BufferedImage.TYPE_BYTE_INDEXED, palette);
        for (int i = 0; i < 48; i++) {
            img.getRaster().setSample(i % 8, i / 8, 0, i % 4);
        }
        for (String format : new String[] {"png", "gif"}) {
            float[] px = RGB_8X6.decode(Images.encode(img, format), "p." + format).pixels();
            for (int i = 0; i < 48; i++) {
                int idx = i % 4;
                assertEquals((r[idx] & 0xff) / 255f, px[i], 0f, format + " red " + i);
                assertEquals((g[idx] & 0xff) / 255f, px[48 + i], 0f, format + " green " + i);
                assertEquals((b[idx] & 0xff) / 255f, px[96 + i], 0f, format + " blue " + i);
            }
        }
    }

    @Test
    void bmpAndJpegDecode() throws Exception {
        BufferedImage img = Images.rgb(8, 6, BufferedImage.TYPE_3BYTE_BGR, 9);
        float[] bmp = RGB_8X6.decode(Images.encode(img, "bmp"), "a.bmp").pixels();
        assertEquals(((img.getRGB(3, 2) >> 16) & 0xff) / 255f, bmp[2 * 8 + 3], 0f, "BMP is lossless");
        BufferedImage flat = new BufferedImage(8, 6, BufferedImage.TYPE_3BYTE_BGR);
        for (int i = 0; i < 48; i++) {
            flat.setRGB(i % 8, i / 8, 0x804020);
        }
        DecodedImage jpeg = RGB_8X6.decode(Images.encode(flat, "jpeg"), "a.jpg");
        assertEquals("jpeg", jpeg.format());
        assertEquals(0x80 / 255f, jpeg.pixels()[0], 0.03f, "JPEG is lossy but close on a flat image");
        assertEquals(0x40 / 255f, jpeg.pixels()[48], 0.03f);
    }

    /** A 5x4 lossless WebP made with libwebp's cwebp -lossless -exact from the PNG {@link #webpSource} draws. */
    private static final String LOSSLESS_WEBP =
            "UklGRjgAAABXRUJQVlA4TCwAAAAvBMAAAJmM6H9sIqL/AQVt2zDpIzT+/EZBLJji7kgmEEj2J5sjkog9AMDVBw==";

    private static BufferedImage webpSource() {
        BufferedImage img = new BufferedImage(5, 4, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 5; x++) {
                img.setRGB(x, y, ((40 * x + 10) << 16) | ((50 * y + 5) << 8) | (200 - 30 * x));
            }
        }
        return img;
    }

    @Test
    void tiffAndWebpDecodeLikeThePngOfTheSameImage() throws Exception {
        ImageDecoder rgb = decoder(4, 5, 3, ResizePolicy.ERROR);
        float[] png = rgb.decode(Images.encode(webpSource(), "png"), "a.png").pixels();
        DecodedImage webp = rgb.decode(java.util.Base64.getDecoder().decode(LOSSLESS_WEBP), "a.webp");
        assertEquals("webp", webp.format());
        assertArrayEquals(png, webp.pixels(), 0f, "lossless WebP: the PNG's pixels");
        DecodedImage tiff = rgb.decode(Images.encode(webpSource(), "tiff"), "a.TIF");
        assertEquals("tiff", tiff.format());
        assertArrayEquals(png, tiff.pixels(), 0f);
        assertReason("wrong extension: content is TIFF but the name ends in .png",
                Images.encode(webpSource(), "tiff"), "a.png");
    }

    /** A JPEG with an APP1 Exif segment (little- or big-endian TIFF header) recording {@code orientation}. */
    private static byte[] withOrientation(byte[] jpeg, int orientation, boolean little) {
        java.io.ByteArrayOutputStream tiff = new java.io.ByteArrayOutputStream();
        int[] header = little ? new int[] {'I', 'I', 42, 0, 8, 0, 0, 0} : new int[] {'M', 'M', 0, 42, 0, 0, 0, 8};
        for (int b : header) {
            tiff.write(b);
        }
        int[] entry = little
                ? new int[] {1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0}
                : new int[] {0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0};
        for (int b : entry) {
            tiff.write(b);
        }
        byte[] body = tiff.toByteArray();
        int length = 2 + 6 + body.length;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(0xff);
        out.write(0xd8);
        out.write(0xff);
        out.write(0xe1);
        out.write(length >> 8);
        out.write(length & 0xff);
        out.writeBytes(new byte[] {'E', 'x', 'i', 'f', 0, 0});
        out.writeBytes(body);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    @Test
    void aJpegIsTurnedUprightByItsExifOrientation() throws Exception {
        // Stored 8 wide and 6 high; orientations 5 to 8 show it 6 wide and 8 high.
        byte[] stored = Images.encode(Images.rgb(8, 6, BufferedImage.TYPE_3BYTE_BGR, 4), "jpeg");
        float[] s = decoder(6, 8, 1, ResizePolicy.ERROR).decode(stored, "a.jpg").pixels();
        assertArrayEquals(s, decoder(6, 8, 1, ResizePolicy.ERROR).decode(withOrientation(stored, 1, true), "a.jpg")
                .pixels(), 0f, "1: as stored");
        float[] mirrored = decoder(6, 8, 1, ResizePolicy.ERROR).decode(withOrientation(stored, 2, false), "a.jpg")
                .pixels();
        float[] turned = decoder(8, 6, 1, ResizePolicy.ERROR).decode(withOrientation(stored, 6, true), "a.jpg")
                .pixels();
        float[] back = decoder(8, 6, 1, ResizePolicy.ERROR).decode(withOrientation(stored, 8, false), "a.jpg")
                .pixels();
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 8; x++) {
                float v = s[y * 8 + x];
                assertEquals(v, mirrored[y * 8 + (7 - x)], 0f, "2: mirrored");
                // 6: turned 90 degrees clockwise: stored (x, y) shows at (5 - y, x) of the 6-wide upright image.
                assertEquals(v, turned[x * 6 + (5 - y)], 0f, "6: clockwise");
                // 8: counter-clockwise: stored (x, y) shows at (y, 7 - x).
                assertEquals(v, back[(7 - x) * 6 + y], 0f, "8: counter-clockwise");
            }
        }
        assertReason("image is 6x8 (width x height), expected 8x6 (data.image.resize = error; set resize or "
                + "centre-crop to accept other sizes)", withOrientation(stored, 6, true),
                "a.jpg", decoder(6, 8, 1, ResizePolicy.ERROR));
        byte[] damaged = withOrientation(stored, 6, true);
        damaged[8 + 6 + 4] = 99; // the IFD offset points past the segment: no orientation, as stored
        assertArrayEquals(s, decoder(6, 8, 1, ResizePolicy.ERROR).decode(damaged, "a.jpg").pixels(), 0f);
    }

    @Test
    void wrongSizeIsBadUnderErrorAndResizedOrCroppedOtherwise() throws Exception {
        byte[] big = Images.encode(Images.grey(16, 12, 2), "png");
        BadImageException e = assertThrows(BadImageException.class, () -> GREY_8X6.decode(big, "big.png"));
        assertTrue(e.getMessage().contains("16x12") && e.getMessage().contains("8x6"), e.getMessage());

        float[] resized = decoder(6, 8, 1, ResizePolicy.RESIZE).decode(big, "big.png").pixels();
        assertEquals(48, resized.length);
        // Halving with centre alignment averages each 2x2 block.
        float expected = (Images.greyValue(0, 0, 2) + Images.greyValue(1, 0, 2) + Images.greyValue(0, 1, 2)
                + Images.greyValue(1, 1, 2)) / 4f / 255f;
        assertEquals(expected, resized[0], 1e-5f);

        // 16x12 to 6x6: scale 0.5 on the short side, crop the centre 12x12 window.
        float[] cropped = decoder(6, 6, 1, ResizePolicy.CENTRE_CROP).decode(big, "big.png").pixels();
        float first = (Images.greyValue(2, 0, 2) + Images.greyValue(3, 0, 2) + Images.greyValue(2, 1, 2)
                + Images.greyValue(3, 1, 2)) / 4f / 255f;
        assertEquals(first, cropped[0], 1e-5f);
    }

    @Test
    void badInputsHaveReasons() {
        byte[] png = Images.encode(Images.grey(8, 6, 1), "png");
        assertReason("empty file", new byte[0], "e.png");
        assertReason("not an image", "hello, world".getBytes(StandardCharsets.UTF_8), "t.png");
        assertReason("truncated or corrupt", Arrays.copyOf(png, png.length / 2), "half.png");
        BufferedImage rgb = Images.rgb(64, 48, BufferedImage.TYPE_3BYTE_BGR, 1);
        byte[] jpeg = Images.encode(rgb, "jpeg");
        BadImageException cut = assertThrows(BadImageException.class,
                () -> decoder(48, 64, 3, ResizePolicy.ERROR).decode(Arrays.copyOf(jpeg, jpeg.length / 2), "cut.jpg"));
        assertTrue(cut.getMessage().contains("corrupt"), cut.getMessage());
        assertReason("wrong extension: content is PNG but the name ends in .jpg", png, "photo.jpg");
    }

    @Test
    void aDecompressionBombIsRefusedFromItsHeaderBeforeAnyDecoding() {
        ImageDecoder decoder = new ImageDecoder(new ImageConfig(28, 28, 1, ResizePolicy.RESIZE,
                NormalisationKind.UNIT));
        BadImageException e = assertThrows(BadImageException.class,
                () -> decoder.decode(Images.pngDeclaring(40_000, 40_000), "bomb.png"));
        assertTrue(e.getMessage().startsWith("declares 40000x40000 pixels, more than data.image.maxPixels = "
                + "50000000"), e.getMessage());

        ImageDecoder tight = new ImageDecoder(new ImageConfig(8, 8, 1, ResizePolicy.ERROR, NormalisationKind.UNIT, 64));
        assertDoesNotThrow(() -> tight.decode(Images.encode(Images.grey(8, 8, 1), "png"), "a.png"), "64 pixels");
        ImageDecoder tighter = new ImageDecoder(new ImageConfig(8, 8, 1, ResizePolicy.ERROR, NormalisationKind.UNIT,
                63));
        assertReason("declares 8x8 pixels, more than data.image.maxPixels = 63",
                Images.encode(Images.grey(8, 8, 1), "png"), "a.png", tighter);
    }

    @Test
    void cmykAndYcckJpegsDecodeAndATruncatedOneIsStillCorrupt() throws Exception {
        ImageDecoder rgb = decoder(30, 40, 3, ResizePolicy.ERROR);
        for (int transform : new int[] {0, 2}) {
            byte[] jpeg = Images.adobeJpeg(40, 30, transform);
            DecodedImage image = rgb.decode(jpeg, "print.jpg");
            assertEquals("jpeg", image.format());
            assertEquals(40 * 30 * 3, image.pixels().length);
            assertTrue(image.pixels()[0] >= 0 && image.pixels()[0] <= 1);
            BadImageException cut = assertThrows(BadImageException.class,
                    () -> rgb.decode(Arrays.copyOf(jpeg, jpeg.length * 2 / 3), "cut.jpg"));
            assertTrue(cut.getMessage().startsWith("corrupt jpeg: ") && !cut.getMessage().contains("ICC"),
                    cut.getMessage());
        }
    }

    @Test
    void aJpegHeaderDeclaringAHugeImageIsRefusedBeforeDecoding() {
        byte[] jpeg = Images.jpegDeclaring(40_000, 40_000);
        ImageDecoder decoder = new ImageDecoder(new ImageConfig(28, 28, 3, ResizePolicy.RESIZE,
                NormalisationKind.UNIT));
        assertReason("declares 40000x40000 pixels, more than data.image.maxPixels", Arrays.copyOf(jpeg, 600),
                "bomb.jpg", decoder);
    }

    @Test
    void aLargeImageBoundForASmallInputIsReadSubsampledAndKeepsItsSize() throws Exception {
        BufferedImage big = new BufferedImage(1600, 1200, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 1200; y++) {
            for (int x = 0; x < 1600; x++) {
                big.getRaster().setSample(x, y, 0, x < 800 ? 40 : 200);
            }
        }
        DecodedImage d = decoder(6, 8, 1, ResizePolicy.RESIZE).decode(Images.encode(big, "png"), "big.png");
        assertEquals(1600, d.sourceWidth(), "the file's size, not the subsampled raster's");
        assertEquals(1200, d.sourceHeight());
        assertEquals(40 / 255f, d.pixels()[0], 1e-6f);
        assertEquals(200 / 255f, d.pixels()[7], 1e-6f);
    }

    private static void assertReason(String expected, byte[] bytes, String name) {
        assertReason(expected, bytes, name, GREY_8X6);
    }

    private static void assertReason(String expected, byte[] bytes, String name, ImageDecoder decoder) {
        BadImageException e = assertThrows(BadImageException.class, () -> decoder.decode(bytes, name));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void standardisationUsesTheGivenStatistics() {
        Normalisation n = Normalisation.standardise(new double[] {0.5, 0.25}, new double[] {0.5, 0.0});
        float[] px = n.apply(new float[] {1f, 0f, 0.25f, 0.5f});
        assertArrayEquals(new float[] {1f, -1f, 0f, 0.25f}, px, 1e-3f);
        assertTrue(Normalisation.unit().isUnit());
    }
}
