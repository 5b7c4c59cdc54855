package io.sparkcnn.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a lake file's bytes from any Hadoop FileSystem, turning every failure into a reason. One
 * instance per task: it keeps the FileSystem of each scheme and authority, because looking it up per
 * file (configuration lookups, the current user) cost as much as decoding a small PNG; local files are
 * read with java.nio.
 */
public final class LakeFileReader {
    /** Larger files are bad: no image a CNN is trained on needs this, and reading it whole would hurt. */
    public static final int MAX_BYTES = 256 << 20;

    private final Configuration conf;
    private final Map<String, FileSystem> fileSystems = new HashMap<>();

    public LakeFileReader(Configuration conf) {
        this.conf = conf;
    }

    public byte[] read(String uri) throws BadImageException {
        Path path = new Path(uri);
        try {
            FileSystem fs = fileSystem(path);
            if (fs instanceof RawLocalFileSystem local) {
                java.nio.file.Path file = local.pathToFile(path).toPath();
                if (Files.size(file) > MAX_BYTES) {
                    throw tooLarge();
                }
                return Files.readAllBytes(file);
            }
            try (InputStream in = fs.open(path)) {
                byte[] bytes = in.readNBytes(MAX_BYTES + 1);
                if (bytes.length > MAX_BYTES) {
                    throw tooLarge();
                }
                return bytes;
            }
        } catch (FileNotFoundException | NoSuchFileException e) {
            throw new BadImageException("file not found");
        } catch (IOException e) {
            throw new BadImageException("unreadable: " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private static BadImageException tooLarge() {
        return new BadImageException("larger than " + (MAX_BYTES >> 20) + " MiB: not read");
    }

    private FileSystem fileSystem(Path path) throws IOException {
        URI u = path.toUri();
        String key = u.getScheme() + "://" + u.getAuthority();
        FileSystem fs = fileSystems.get(key);
        if (fs == null) {
            fs = FileSystems.of(path, conf);
            fileSystems.put(key, fs);
        }
        return fs;
    }
}
