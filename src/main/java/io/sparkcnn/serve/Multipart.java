package io.sparkcnn.serve;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * The first file of a {@code multipart/form-data} body (RFC 7578), as a browser form or {@code curl -F} sends an
 * image: the part that has a filename, or else the first part.
 */
final class Multipart {
    private Multipart() {
    }

    static byte[] firstFile(byte[] body, String contentType) {
        String boundary = null;
        for (String param : contentType.split(";")) {
            String p = param.trim();
            if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                boundary = p.substring("boundary=".length()).replace("\"", "");
            }
        }
        if (boundary == null || boundary.isEmpty()) {
            throw new HttpError(400, "multipart/form-data without a boundary parameter");
        }
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        byte[] first = null;
        int at = indexOf(body, delimiter, 0);
        while (at >= 0) {
            int headersStart = at + delimiter.length;
            if (headersStart + 2 <= body.length && body[headersStart] == '-' && body[headersStart + 1] == '-') {
                break; // the closing delimiter
            }
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), headersStart);
            if (headersEnd < 0) {
                break;
            }
            int next = indexOf(body, delimiter, headersEnd + 4);
            if (next < 0) {
                throw new HttpError(400, "multipart/form-data body ends inside a part (no closing boundary)");
            }
            String headers = new String(body, headersStart, headersEnd - headersStart, StandardCharsets.ISO_8859_1);
            byte[] content = Arrays.copyOfRange(body, headersEnd + 4, Math.max(headersEnd + 4, next - 2));
            if (headers.toLowerCase(Locale.ROOT).contains("filename=")) {
                return content;
            }
            if (first == null) {
                first = content;
            }
            at = next;
        }
        if (first == null) {
            throw new HttpError(400, "multipart/form-data body has no part");
        }
        return first;
    }

    private static int indexOf(byte[] data, byte[] pattern, int from) {
        outer:
        for (int i = Math.max(0, from); i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
