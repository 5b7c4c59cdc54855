package io.sparkcnn.eval;

/** A saliency map drawn over its image: what the report shows for its mistakes and serve's explain answers. */
public final class SaliencyOverlay {
    private SaliencyOverlay() {
    }

    /**
     * The image (as grey) with the map over it in red, scaled up by a whole factor to at least {@code minSide}
     * pixels on its shorter side, as PNG bytes.
     */
    public static byte[] png(float[] pixels, float[] map, int channels, int h, int w, int minSide) {
        int scale = Math.max(1, (minSide + Math.min(h, w) - 1) / Math.min(h, w));
        float max = 1e-6f;
        for (float v : map) {
            max = Math.max(max, v);
        }
        java.awt.image.BufferedImage out = new java.awt.image.BufferedImage(w * scale, h * scale,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        int plane = h * w;
        for (int y = 0; y < h * scale; y++) {
            for (int x = 0; x < w * scale; x++) {
                int at = (y / scale) * w + x / scale;
                float grey = 0;
                for (int c = 0; c < channels; c++) {
                    grey += pixels[c * plane + at];
                }
                grey /= channels;
                float heat = Math.max(0, map[at]) / max;
                int r = Math.round(255 * Math.min(1, grey * (1 - heat) + heat));
                int g = Math.round(255 * grey * (1 - heat));
                int b = Math.round(255 * grey * (1 - heat));
                out.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try {
            javax.imageio.ImageIO.write(out, "png", bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
