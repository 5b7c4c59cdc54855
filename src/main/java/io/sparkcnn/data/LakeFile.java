package io.sparkcnn.data;

import java.io.Serializable;

/**
 * One file of a lake as listed: its full URI, its path relative to the lake root (what the held-out
 * split hashes), its label (null when the layout gives none), its split, and, when listing already
 * knows them, its size and modification time (-1 otherwise). {@code problem} is non-null when the
 * listing already knows the file is bad (e.g. an extension that is not an image's).
 */
public record LakeFile(String uri, String relativePath, String label, Split split, long length,
                       long modificationTime, String problem) implements Serializable {
    public LakeFile withProblem(String reason) {
        return new LakeFile(uri, relativePath, label, split, length, modificationTime, reason);
    }
}
