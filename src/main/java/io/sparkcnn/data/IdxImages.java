package io.sparkcnn.data;

/** The images of an IDX3 file: {@code count} row-major {@code rows x cols} unsigned bytes. */
public record IdxImages(int count, int rows, int cols, byte[] pixels) {
    public IdxImages {
        if ((long) count * rows * cols != pixels.length) {
            throw new IllegalArgumentException("IDX images: " + count + " x " + rows + " x " + cols
                    + " does not match " + pixels.length + " pixel bytes");
        }
    }

    /** A copy of image {@code i}'s pixels. */
    public byte[] image(int i) {
        byte[] out = new byte[rows * cols];
        System.arraycopy(pixels, i * rows * cols, out, 0, out.length);
        return out;
    }
}
