package io.sparkcnn.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;

/** Reads a lake file's bytes from any Hadoop FileSystem, turning every failure into a reason. */
public final class LakeFileReader {
    /** Larger files are bad: no image a CNN is trained on needs this, and reading it whole would hurt. */
    public static final int MAX_BYTES = 256 << 20;

    private final Configuration conf;

    public LakeFileReader(Configuration conf) {
        this.conf = conf;
    }

    public byte[] read(String uri) throws BadImageException {
        Path path = new Path(uri);
        try (InputStream in = FileSystems.of(path, conf).open(path)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new BadImageException("larger than " + (MAX_BYTES >> 20) + " MiB: not read");
            }
            return bytes;
        } catch (FileNotFoundException e) {
            throw new BadImageException("file not found");
        } catch (IOException e) {
            throw new BadImageException("unreadable: " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }
}
