package io.sparkcnn.data;

/**
 * A decoded image: what the file held ({@code format}, size, channels incl. alpha, bits per sample) and
 * the tensor it became ({@code pixels}, CHW floats in [0, 1], of the configured size and channels).
 */
public record DecodedImage(String format, int sourceWidth, int sourceHeight, int sourceChannels, int bitDepth,
                           float[] pixels) {
    /** A short description of the source, e.g. {@code png 28x28 1ch 8-bit}, for the inspect summary. */
    public String kind() {
        return format + " " + sourceWidth + "x" + sourceHeight + " " + sourceChannels + "ch " + bitDepth + "-bit";
    }
}
