package io.sparkcnn.data;

import org.apache.hadoop.fs.Path;

import java.util.Locale;

/** Path arithmetic for lakes, independent of scheme and authority. */
public final class LakePaths {
    private LakePaths() {
    }

    /**
     * {@code file} relative to {@code root} (both as URIs or paths on one FileSystem), compared on their
     * path parts so that {@code file:/a} and {@code file:///a} agree; null when file is not under root.
     */
    public static String relative(String root, String file) {
        String r = new Path(root).toUri().getPath();
        String f = new Path(file).toUri().getPath();
        if (!r.endsWith("/")) {
            r = r + "/";
        }
        return f.startsWith(r) ? f.substring(r.length()) : null;
    }

    /** The label of a folder-lake file: the first folder under the root; null for a file at the root. */
    public static String labelOf(String relativePath) {
        int slash = relativePath.indexOf('/');
        return slash <= 0 ? null : relativePath.substring(0, slash);
    }

    /** Lower-case extension without the dot, or "" when the name has none. */
    public static String extension(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    /** Hadoop and Spark skip names starting with . or _ (temporary files, _SUCCESS markers). */
    public static boolean isHidden(String name) {
        return name.startsWith(".") || name.startsWith("_");
    }
}
