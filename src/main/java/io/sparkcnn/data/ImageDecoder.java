package io.sparkcnn.data;

import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.config.ResizePolicy;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Decodes image bytes into a CHW float tensor in [0, 1] of the configured size and channels, with
 * ImageIO (PNG, JPEG, BMP, GIF, TIFF, WebP; JPEG through TwelveMonkeys' reader, which also reads CMYK and YCCK,
 * and turned upright by its EXIF orientation). Grey, RGB, RGBA (alpha dropped), palette and 16-bit
 * images are read from their raster, not through {@code getRGB}, which would gamma-shift grey images
 * and cut 16-bit samples to 8. Anything that is not a usable image is a {@link BadImageException}
 * whose message is the reason. Not thread-safe: it keeps one reader per format; use one per task.
 */
public final class ImageDecoder {
    static {
        // ImageIO's disk cache writes every stream to a temporary file first: several times slower for small
        // images (docs/design.md).
        ImageIO.setUseCache(false);
    }

    private static final Map<String, String> FORMAT_OF_EXTENSION = Map.of(
            "png", "png", "jpg", "jpeg", "jpeg", "jpeg", "bmp", "bmp", "gif", "gif", "tif", "tiff", "tiff", "tiff",
            "webp", "webp");

    private final ImageConfig spec;
    private final Map<String, ImageReader> readers = new HashMap<>();
    private final StringBuilder warnings = new StringBuilder();

    public ImageDecoder(ImageConfig spec) {
        this.spec = spec;
    }

    /** Decodes {@code bytes}; {@code fileName} is only used to check the extension against the content. */
    public DecodedImage decode(byte[] bytes, String fileName) throws BadImageException {
        if (bytes.length == 0) {
            throw new BadImageException("empty file (0 bytes)");
        }
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            ImageReader reader = reader(bytes, in);
            String format = reader.getFormatName().toLowerCase(Locale.ROOT);
            if (format.equals("jpg")) {
                format = "jpeg";
            } else if (format.equals("tif")) {
                format = "tiff";
            }
            checkExtension(fileName, format);
            reader.setInput(in, true, true);
            warnings.setLength(0);
            try {
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                refuseOversized(width, height);
                ImageReadParam param = reader.getDefaultReadParam();
                int step = subsampling(width, height);
                if (step > 1) {
                    param.setSourceSubsampling(step, step, 0, 0);
                }
                BufferedImage image = reader.read(0, param);
                if (warnings.length() > 0) {
                    // The JPEG reader fills a truncated file with grey and only warns.
                    throw new BadImageException("corrupt " + format + ": " + warnings.substring(0, warnings.length() - 2));
                }
                // A camera stores a photo as its sensor saw it and says in EXIF how to turn it upright.
                int orientation = format.equals("jpeg") ? ExifOrientation.of(bytes) : 1;
                return toTensor(image, format, width, height, orientation);
            } finally {
                reader.setInput(null);
                if (!readers.containsValue(reader)) {
                    reader.dispose();
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new BadImageException("truncated or corrupt image: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        }
    }

    /**
     * The reader for the content's format, recognised by its magic bytes and kept for the next image:
     * looking readers up in ImageIO's registry per image serialised the tasks of an executor on the
     * registry's locks and halved decoding throughput on two cores. Other formats go to the registry.
     */
    private ImageReader reader(byte[] bytes, ImageInputStream in) throws IOException, BadImageException {
        String format = sniff(bytes);
        if (format != null) {
            ImageReader cached = readers.get(format);
            if (cached == null) {
                Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(format);
                if (it.hasNext()) {
                    cached = it.next();
                    cached.addIIOReadWarningListener((source, warning) -> warn(warning));
                    readers.put(format, cached);
                }
            }
            if (cached != null) {
                return cached;
            }
        }
        Iterator<ImageReader> it = ImageIO.getImageReaders(in);
        if (!it.hasNext()) {
            throw new BadImageException("not an image: no PNG, JPEG, BMP, GIF, TIFF or WebP decoder recognises its content");
        }
        ImageReader other = it.next();
        other.addIIOReadWarningListener((source, warning) -> warn(warning));
        return other;
    }

    /**
     * Refuses an image whose header declares more than {@code data.image.maxPixels} pixels, from the header alone:
     * ImageIO allocates the whole declared raster before it decodes a byte, so a small file declaring a huge size
     * would exhaust the heap.
     */
    private void refuseOversized(long width, long height) throws BadImageException {
        if (width * height > spec.maxPixels()) {
            throw new BadImageException(String.format(Locale.ROOT, "declares %dx%d pixels, more than "
                    + "data.image.maxPixels = %d: refused before decoding", width, height, spec.maxPixels()));
        }
    }

    /**
     * Every how many pixels to read when a resize follows: the largest step that keeps the image at least twice
     * the target size in both directions, so a large photo never occupies its full raster (a 6000x4000 JPEG
     * bound for 96x96 is read as 300x200) and the resize still has two source pixels per output pixel.
     */
    private int subsampling(int width, int height) {
        if (spec.resize() == ResizePolicy.ERROR) {
            return 1;
        }
        return Math.max(1, Math.min(width / (2 * spec.width()), height / (2 * spec.height())));
    }

    /**
     * A warning that the colours are converted approximately (a CMYK or YCCK JPEG without an ICC profile) is no
     * sign of damage; any other warning is, as the JPEG reader reports a truncated file only by warning.
     */
    private void warn(String warning) {
        String w = warning.toLowerCase(Locale.ROOT);
        if (!w.contains("icc") && !w.contains("color profile") && !w.contains("colour profile")) {
            warnings.append(warning).append("; ");
        }
    }

    private static String sniff(byte[] b) {
        if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return "png";
        }
        if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) {
            return "jpeg";
        }
        if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') {
            return "gif";
        }
        if (b.length >= 14 && b[0] == 'B' && b[1] == 'M') {
            return "bmp";
        }
        if (b.length >= 8 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0)
                || (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42))) {
            return "tiff";
        }
        if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'W' && b[9] == 'E'
                && b[10] == 'B' && b[11] == 'P') {
            return "webp";
        }
        return null;
    }

    private static void checkExtension(String fileName, String format) throws BadImageException {
        int dot = fileName.lastIndexOf('.');
        if (dot < 0) {
            return;
        }
        String ext = fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
        String expected = FORMAT_OF_EXTENSION.get(ext);
        if (expected != null && !expected.equals(format)) {
            throw new BadImageException("wrong extension: content is " + format.toUpperCase(Locale.ROOT)
                    + " but the name ends in ." + ext);
        }
    }

    /** {@code declaredWidth x declaredHeight}: the file's size, which {@code image} may be a subsampling of. */
    private DecodedImage toTensor(BufferedImage image, String format, int declaredWidth, int declaredHeight,
                                  int orientation) throws BadImageException {
        int w = image.getWidth();
        int h = image.getHeight();
        if (w <= 0 || h <= 0) {
            throw new BadImageException("image has no pixels (" + w + "x" + h + ")");
        }
        ColorModel cm = image.getColorModel();
        int sourceChannels = cm.getNumComponents();
        int bitDepth = cm.getComponentSize(0);
        float[][] planes = ExifOrientation.upright(readPlanes(image), w, h, orientation);
        if (orientation >= 5) {
            int t = w;
            w = h;
            h = t;
        }
        float[][] channels = convertChannels(planes, spec.channels());
        float[][] sized = fit(channels, w, h);
        float[] chw = new float[spec.size()];
        int plane = spec.height() * spec.width();
        for (int c = 0; c < sized.length; c++) {
            System.arraycopy(sized[c], 0, chw, c * plane, plane);
        }
        return new DecodedImage(format, declaredWidth, declaredHeight, sourceChannels, bitDepth, chw);
    }

    /** Grey (1 plane) or RGB (3 planes), alpha dropped, scaled to [0, 1] by the sample's maximum. */
    private static float[][] readPlanes(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        if (cm instanceof IndexColorModel icm) {
            return paletteToPlanes(icm, raster, w, h);
        }
        boolean grey = cm.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY;
        boolean rgb = cm.getColorSpace().isCS_sRGB() || cm.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_RGB;
        if (cm instanceof ComponentColorModel && (grey || rgb)) {
            int colourBands = grey ? 1 : 3;
            float[][] planes = new float[colourBands][];
            for (int b = 0; b < colourBands; b++) {
                float max = (float) ((1L << raster.getSampleModel().getSampleSize(b)) - 1);
                float[] samples = raster.getSamples(0, 0, w, h, b, (float[]) null);
                for (int i = 0; i < samples.length; i++) {
                    samples[i] /= max;
                }
                planes[b] = samples;
            }
            return planes;
        }
        // Packed RGB (BMP, some JPEGs) and any other colour space: through sRGB, 8 bits per channel.
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        float[][] planes = new float[3][w * h];
        for (int i = 0; i < argb.length; i++) {
            planes[0][i] = ((argb[i] >>> 16) & 0xff) / 255f;
            planes[1][i] = ((argb[i] >>> 8) & 0xff) / 255f;
            planes[2][i] = (argb[i] & 0xff) / 255f;
        }
        return planes;
    }

    private static float[][] paletteToPlanes(IndexColorModel icm, Raster raster, int w, int h) {
        int size = icm.getMapSize();
        boolean grey = true;
        for (int i = 0; i < size && grey; i++) {
            grey = icm.getRed(i) == icm.getGreen(i) && icm.getGreen(i) == icm.getBlue(i);
        }
        int[] indices = raster.getSamples(0, 0, w, h, 0, (int[]) null);
        float[][] planes = new float[grey ? 1 : 3][w * h];
        for (int i = 0; i < indices.length; i++) {
            int idx = indices[i];
            planes[0][i] = icm.getRed(idx) / 255f;
            if (!grey) {
                planes[1][i] = icm.getGreen(idx) / 255f;
                planes[2][i] = icm.getBlue(idx) / 255f;
            }
        }
        return planes;
    }

    /** Grey to RGB replicates; RGB to grey uses ITU-R BT.601 luma weights. */
    static float[][] convertChannels(float[][] planes, int target) {
        if (planes.length == target) {
            return planes;
        }
        if (target == 3) {
            return new float[][] {planes[0], planes[0].clone(), planes[0].clone()};
        }
        float[] luma = new float[planes[0].length];
        for (int i = 0; i < luma.length; i++) {
            luma[i] = 0.299f * planes[0][i] + 0.587f * planes[1][i] + 0.114f * planes[2][i];
        }
        return new float[][] {luma};
    }

    private float[][] fit(float[][] planes, int w, int h) throws BadImageException {
        int tw = spec.width();
        int th = spec.height();
        if (w == tw && h == th) {
            return planes;
        }
        ResizePolicy policy = spec.resize();
        if (policy == ResizePolicy.ERROR) {
            throw new BadImageException("image is " + w + "x" + h + " (width x height), expected " + tw + "x" + th
                    + " (data.image.resize = error; set resize or centre-crop to accept other sizes)");
        }
        float[][] out = new float[planes.length][];
        for (int c = 0; c < planes.length; c++) {
            if (policy == ResizePolicy.RESIZE) {
                out[c] = Resampling.bilinear(planes[c], w, h, 0, 0, w, h, tw, th);
            } else {
                double scale = Math.max((double) tw / w, (double) th / h);
                double cropW = tw / scale;
                double cropH = th / scale;
                out[c] = Resampling.bilinear(planes[c], w, h, (w - cropW) / 2, (h - cropH) / 2, cropW, cropH, tw, th);
            }
        }
        return out;
    }
}
