package io.sparkcnn.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a lake held when a model was trained: every usable file with its split, size and modification
 * time, as the sorted TSV {@code snapshot.tsv} saved beside the model. A later retrain compares the lake
 * with it: a file that is not in it, or whose size or modification time changed since, is new data.
 *
 * <p>Paths are written escaped ({@link TsvField}), under a header that says so. Snapshots written before
 * that have the {@link #RAW_HEADER} and paths as they were; a tab or newline in such a path split its line,
 * and reading repairs that: a line with too many columns keeps the middle ones as the path, a line with
 * too few is joined with the next ones by the newline that split it.
 */
public final class DataSnapshot implements Serializable {
    public static final String HEADER = "split\tescapedPath\tlength\tmodificationTime";
    static final String RAW_HEADER = "split\tpath\tlength\tmodificationTime";

    private final Map<String, long[]> files;

    private DataSnapshot(Map<String, long[]> files) {
        this.files = files;
    }

    public static DataSnapshot empty() {
        return new DataSnapshot(Map.of());
    }

    /** The snapshot text of a lake's files: the usable ones (listing found no problem), sorted. */
    public static String render(List<LakeFile> listed) {
        List<String> lines = new ArrayList<>();
        for (LakeFile f : listed) {
            if (f.problem() == null) {
                lines.add(f.split() + "\t" + TsvField.escape(f.uri()) + "\t" + f.length() + "\t" + f.modificationTime());
            }
        }
        lines.sort(null);
        return HEADER + "\n" + String.join("\n", lines) + (lines.isEmpty() ? "" : "\n");
    }

    /** Reads a snapshot; {@code source} names it in the error a malformed line gets. */
    public static DataSnapshot parse(String text, String source) {
        String[] lines = text.split("\n");
        boolean escaped = lines.length > 0 && lines[0].equals(HEADER);
        if (!escaped && (lines.length == 0 || !lines[0].equals(RAW_HEADER))) {
            throw new DataException(source + ": not a data snapshot (its first line must be \""
                    + HEADER.replace("\t", "\\t") + "\")");
        }
        Map<String, long[]> files = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int first = i;
            try {
                String[] cols = lines[i].split("\t", -1);
                if (!escaped) {
                    while (cols.length < 4 && i + 1 < lines.length) {
                        lines[i + 1] = lines[i] + "\n" + lines[i + 1];
                        cols = lines[++i].split("\t", -1);
                    }
                    cols = rawColumns(cols);
                }
                if (cols.length != 4) {
                    throw new NumberFormatException("4 tab-separated columns expected, got " + cols.length);
                }
                String path = escaped ? TsvField.unescape(cols[1]) : cols[1];
                files.put(path, new long[] {Long.parseLong(cols[2]), Long.parseLong(cols[3]),
                        Split.valueOf(cols[0]).ordinal()});
            } catch (IllegalArgumentException e) {
                throw new DataException(source + " line " + (first + 1) + ": " + e.getMessage()
                        + " (each line is split, path, length and modification time; deleting a broken line"
                        + " makes its file count as new in the next retrain)");
            }
        }
        return new DataSnapshot(files);
    }

    /** A raw line's columns with the tabs inside its path put back: split, path, length, time. */
    private static String[] rawColumns(String[] cols) {
        if (cols.length <= 4) {
            return cols;
        }
        String path = String.join("\t", Arrays.copyOfRange(cols, 1, cols.length - 2));
        return new String[] {cols[0], path, cols[cols.length - 2], cols[cols.length - 1]};
    }

    /** True when the file was not in the lake then, or has another size or a later modification time now. */
    public boolean isNewOrChanged(LakeFile f) {
        long[] then = files.get(f.uri());
        return then == null || then[0] != f.length() || f.modificationTime() > then[1];
    }

    /** True when the file was held out then and is unchanged now: a member of this snapshot's held-out set. */
    public boolean heldOutThen(LakeFile f) {
        long[] then = files.get(f.uri());
        return then != null && then[2] == Split.HELD_OUT.ordinal() && then[0] == f.length()
                && then[1] == f.modificationTime();
    }

    /** The held-out files this snapshot lists. */
    public long heldOutCount() {
        return files.values().stream().filter(v -> v[2] == Split.HELD_OUT.ordinal()).count();
    }

    public int size() {
        return files.size();
    }
}
