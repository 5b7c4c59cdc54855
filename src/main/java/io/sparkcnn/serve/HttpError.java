package io.sparkcnn.serve;

/** A request the server answers with a 4xx or 5xx status and a JSON error naming what is wrong. */
final class HttpError extends RuntimeException {
    private final int status;

    HttpError(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }
}
