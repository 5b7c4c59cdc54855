package io.sparkcnn.data;

import java.io.Serializable;

/** A file (or label folder) that could not be used, and why. */
public record BadFile(String path, String reason) implements Serializable {
    @Override
    public String toString() {
        return path + ": " + reason;
    }
}
