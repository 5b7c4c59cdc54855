package io.sparkcnn.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;

/** Small helpers over Hadoop's FileSystem API, which every lake and output goes through. */
public final class FileSystems {
    private FileSystems() {
    }

    /**
     * The FileSystem of a path. For local paths this is the raw local FS: Hadoop's default one writes a
     * hidden .crc file beside every file, doubling the file count of an image lake for no gain.
     */
    public static FileSystem of(Path path, Configuration conf) throws IOException {
        requireReachable(path, conf);
        FileSystem fs = path.getFileSystem(conf);
        return fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
    }

    /**
     * Creates (overwriting) a file without setting its permission: without Hadoop's native library the
     * local FileSystem forks a {@code chmod} process for every file it creates with a permission, which
     * made importing 70,000 PNGs take minutes instead of seconds. Local files are therefore written
     * with java.nio (parent folders created as needed), everything else through the FileSystem.
     */
    public static OutputStream create(FileSystem fs, Path path) throws IOException {
        if (fs instanceof RawLocalFileSystem local) {
            java.nio.file.Path file = local.pathToFile(path).toPath();
            Files.createDirectories(file.getParent());
            return new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        }
        return fs.create(path, true);
    }

    /** Renames or fails; on the local FS through java.nio (an atomic move), for the reason given at create. */
    public static void rename(FileSystem fs, Path from, Path to) throws IOException {
        if (fs instanceof RawLocalFileSystem local) {
            Files.move(local.pathToFile(from).toPath(), local.pathToFile(to).toPath(),
                    StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else if (!fs.rename(from, to)) {
            throw new IOException("cannot rename " + from + " to " + to);
        }
    }

    /**
     * Writes {@code dir/name} whole under a hidden name and renames it over the previous file, if any (creating
     * {@code dir}); returns the file's location.
     */
    public static String replace(String dir, String name, byte[] content, Configuration conf) throws IOException {
        Path folder = qualified(dir, conf);
        FileSystem fs = of(folder, conf);
        fs.mkdirs(folder);
        Path target = new Path(folder, name);
        Path tmp = new Path(folder, "." + name + ".tmp");
        try (OutputStream out = create(fs, tmp)) {
            out.write(content);
        }
        if (fs.exists(target) && !fs.delete(target, false)) {
            throw new IOException("cannot replace " + target);
        }
        rename(fs, tmp, target);
        return target.toString();
    }

    private static void requireReachable(Path path, Configuration conf) {
        if ("s3a".equals(path.toUri().getScheme())) {
            S3Endpoints.requireReachable(path.toUri().getHost(), conf);
        }
    }

    /** A qualified path (scheme and authority filled in): a plain path means the default FileSystem. */
    public static Path qualified(String uri, Configuration conf) throws IOException {
        Path p = new Path(uri);
        requireReachable(p, conf);
        return p.getFileSystem(conf).makeQualified(p);
    }
}
