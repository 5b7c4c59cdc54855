package io.sparkcnn.data;

/**
 * A JPEG's EXIF orientation (tag 0x0112 of its APP1 "Exif" segment: 1 upright, 2 mirrored, 3 turned 180
 * degrees, 4 mirrored top to bottom, 5 transposed, 6 turned 90 degrees clockwise to be upright, 7 transversed,
 * 8 turned 90 degrees counter-clockwise), and the planes turned upright by it. Read from the file's bytes: a
 * missing, malformed or out-of-range tag counts as upright.
 */
final class ExifOrientation {
    private ExifOrientation() {
    }

    /** The orientation recorded in a JPEG's bytes, 1 to 8; 1 when there is none. */
    static int of(byte[] jpeg) {
        int at = 2; // after SOI
        while (at + 4 <= jpeg.length && (jpeg[at] & 0xff) == 0xff) {
            int marker = jpeg[at + 1] & 0xff;
            if (marker == 0xda || marker == 0xd9) {
                return 1; // image data begins: no EXIF before it
            }
            int length = u16(jpeg, at + 2, false);
            if (length < 2) {
                return 1;
            }
            int body = at + 4;
            if (marker == 0xe1 && body + 14 <= jpeg.length && jpeg[body] == 'E' && jpeg[body + 1] == 'x'
                    && jpeg[body + 2] == 'i' && jpeg[body + 3] == 'f' && jpeg[body + 4] == 0) {
                return fromTiff(jpeg, body + 6, Math.min(jpeg.length, at + 2 + length));
            }
            at += 2 + length;
        }
        return 1;
    }

    private static int fromTiff(byte[] b, int tiff, int end) {
        boolean little;
        if (b[tiff] == 'I' && b[tiff + 1] == 'I') {
            little = true;
        } else if (b[tiff] == 'M' && b[tiff + 1] == 'M') {
            little = false;
        } else {
            return 1;
        }
        long ifd = u32(b, tiff + 4, little);
        if (ifd < 8 || tiff + ifd + 2 > end) {
            return 1;
        }
        int entries = u16(b, (int) (tiff + ifd), little);
        for (int i = 0; i < entries; i++) {
            int entry = (int) (tiff + ifd + 2 + 12L * i);
            if (entry + 12 > end) {
                return 1;
            }
            if (u16(b, entry, little) == 0x0112) {
                int value = u16(b, entry + 8, little);
                return value >= 1 && value <= 8 ? value : 1;
            }
        }
        return 1;
    }

    private static int u16(byte[] b, int at, boolean little) {
        int a = b[at] & 0xff;
        int c = b[at + 1] & 0xff;
        return little ? a | c << 8 : a << 8 | c;
    }

    private static long u32(byte[] b, int at, boolean little) {
        long v = 0;
        for (int i = 0; i < 4; i++) {
            int shift = little ? 8 * i : 8 * (3 - i);
            v |= (long) (b[at + i] & 0xff) << shift;
        }
        return v;
    }

    /**
     * The planes (each w x h, row-major) turned upright for {@code orientation}; for 5 to 8 the result is
     * h x w (width and height swap).
     */
    static float[][] upright(float[][] planes, int w, int h, int orientation) {
        if (orientation <= 1 || orientation > 8) {
            return planes;
        }
        boolean swap = orientation >= 5;
        int outW = swap ? h : w;
        int outH = swap ? w : h;
        float[][] out = new float[planes.length][outW * outH];
        for (int c = 0; c < planes.length; c++) {
            float[] in = planes[c];
            float[] o = out[c];
            for (int y = 0; y < outH; y++) {
                for (int x = 0; x < outW; x++) {
                    // (sx, sy): the stored pixel shown at (x, y) of the upright image.
                    int sx;
                    int sy;
                    switch (orientation) {
                        case 2 -> { sx = w - 1 - x; sy = y; }
                        case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                        case 4 -> { sx = x; sy = h - 1 - y; }
                        case 5 -> { sx = y; sy = x; }
                        case 6 -> { sx = y; sy = h - 1 - x; }
                        case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                        default -> { sx = w - 1 - y; sy = x; } // 8
                    }
                    o[y * outW + x] = in[sy * w + sx];
                }
            }
        }
        return out;
    }
}
