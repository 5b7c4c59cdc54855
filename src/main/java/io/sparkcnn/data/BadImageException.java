package io.sparkcnn.data;

/** An input that is not a usable image; the message is the reason, fit for a bad-files report. */
public final class BadImageException extends Exception {
    public BadImageException(String reason) {
        super(reason);
    }

    public BadImageException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
