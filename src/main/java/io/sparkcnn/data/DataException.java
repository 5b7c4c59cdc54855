package io.sparkcnn.data;

/** The lake's content stops the job: too many bad files, an unknown label, no images at all. */
public final class DataException extends RuntimeException {
    public DataException(String message) {
        super(message);
    }
}
