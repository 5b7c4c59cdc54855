package io.sparkcnn.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian
 * magic number {@code 0x0000 <type> <dims>}, one 32-bit size per dimension, then the data. Gzipped
 * files (as Debian ships them) are detected by their magic bytes. Every error names the file.
 */
public final class IdxReader {
    private static final int UNSIGNED_BYTE = 0x08;

    private IdxReader() {
    }

    public static IdxImages readImages(InputStream raw, String name) throws IOException {
        try (DataInputStream in = open(raw)) {
            int[] dims = header(in, name, 3);
            byte[] pixels = body(in, name, (long) dims[0] * dims[1] * dims[2]);
            return new IdxImages(dims[0], dims[1], dims[2], pixels);
        }
    }

    public static byte[] readLabels(InputStream raw, String name) throws IOException {
        try (DataInputStream in = open(raw)) {
            int[] dims = header(in, name, 1);
            return body(in, name, dims[0]);
        }
    }

    private static DataInputStream open(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        boolean gzip = b0 == 0x1f && b1 == 0x8b;
        return new DataInputStream(gzip ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16) : in);
    }

    private static int[] header(DataInputStream in, String name, int expectedDims) throws IOException {
        int magic;
        try {
            magic = in.readInt();
        } catch (EOFException e) {
            throw new IOException(name + ": not an IDX file (shorter than its 4-byte magic number)");
        }
        int type = (magic >>> 8) & 0xff;
        int dims = magic & 0xff;
        if ((magic >>> 16) != 0 || type != UNSIGNED_BYTE || dims != expectedDims) {
            throw new IOException(String.format("%s: not an IDX file of unsigned bytes with %d dimension(s): "
                    + "magic number 0x%08x, expected 0x%08x", name, expectedDims, magic,
                    (UNSIGNED_BYTE << 8) | expectedDims));
        }
        int[] sizes = new int[dims];
        for (int i = 0; i < dims; i++) {
            try {
                sizes[i] = in.readInt();
            } catch (EOFException e) {
                throw new IOException(name + ": truncated IDX header (dimension " + i + " missing)");
            }
            if (sizes[i] < 0) {
                throw new IOException(name + ": negative IDX dimension " + sizes[i]);
            }
        }
        return sizes;
    }

    private static byte[] body(DataInputStream in, String name, long expected) throws IOException {
        if (expected > Integer.MAX_VALUE - 8) {
            throw new IOException(name + ": IDX data of " + expected + " bytes is too large");
        }
        byte[] data = new byte[(int) expected];
        int read = in.readNBytes(data, 0, data.length);
        if (read < data.length) {
            throw new IOException(name + ": truncated IDX file: header announces " + expected
                    + " data bytes, found " + read);
        }
        if (in.read() != -1) {
            throw new IOException(name + ": IDX file has bytes after the " + expected + " data bytes its header announces");
        }
        return data;
    }
}
