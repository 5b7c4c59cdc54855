package io.sparkcnn.data;

/**
 * One field of the tab-separated files spark-cnn writes (snapshots, bad-file lists). A file system allows
 * any byte but '/' and NUL in a name, tabs and newlines included, so a path is written with the escapes of
 * the "linear TSV" convention ({@code \\}, {@code \t}, {@code \n}, {@code \r}) and read back exactly.
 */
public final class TsvField {
    private TsvField() {
    }

    public static String escape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** The inverse of {@link #escape}; a backslash before any other character is an error. */
    public static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (++i == field.length()) {
                throw new IllegalArgumentException("a field ends in a lone backslash");
            }
            out.append(switch (field.charAt(i)) {
                case '\\' -> '\\';
                case 't' -> '\t';
                case 'n' -> '\n';
                case 'r' -> '\r';
                default -> throw new IllegalArgumentException("unknown escape \\" + field.charAt(i));
            });
        }
        return out.toString();
    }
}
