package io.sparkcnn.data;

/** Bilinear resampling of one float plane, pixel centres aligned (as OpenCV's INTER_LINEAR). */
final class Resampling {
    private Resampling() {
    }

    /**
     * Samples the window {@code (x0, y0, winW, winH)} of a {@code w x h} plane onto a {@code tw x th} grid.
     */
    static float[] bilinear(float[] src, int w, int h, double x0, double y0, double winW, double winH,
                            int tw, int th) {
        float[] out = new float[tw * th];
        double sx = winW / tw;
        double sy = winH / th;
        for (int ty = 0; ty < th; ty++) {
            double y = clamp(y0 + (ty + 0.5) * sy - 0.5, h);
            int yA = (int) Math.floor(y);
            int yB = Math.min(yA + 1, h - 1);
            double fy = y - yA;
            for (int tx = 0; tx < tw; tx++) {
                double x = clamp(x0 + (tx + 0.5) * sx - 0.5, w);
                int xA = (int) Math.floor(x);
                int xB = Math.min(xA + 1, w - 1);
                double fx = x - xA;
                double top = src[yA * w + xA] * (1 - fx) + src[yA * w + xB] * fx;
                double bottom = src[yB * w + xA] * (1 - fx) + src[yB * w + xB] * fx;
                out[ty * tw + tx] = (float) (top * (1 - fy) + bottom * fy);
            }
        }
        return out;
    }

    private static double clamp(double v, int size) {
        return Math.max(0, Math.min(v, size - 1));
    }
}
