package io.sparkcnn.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.RemoteIterator;

import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * Lists every file below a folder, at any depth, skipping names that start with . or _ at any level
 * (Hadoop's and Spark's convention for temporary files and markers). Local folders are walked with
 * java.nio: Hadoop's local FileSystem, without its native library, forks an {@code ls} per file to read
 * permissions while listing, which made listing 70,000 files take 46 s. Other FileSystems use
 * {@code listFiles(recursive)}, a flat listing on object stores.
 */
public final class FolderWalker {
    /** A listed file; {@code problem} is non-null when listing already found it unreadable. */
    public record Entry(String uri, long length, long modificationTime, String problem)
            implements java.io.Serializable {
        public Entry(String uri, long length, long modificationTime) {
            this(uri, length, modificationTime, null);
        }
    }

    private FolderWalker() {
    }

    public static List<Entry> walk(Path folder, Configuration conf) throws IOException {
        FileSystem fs = FileSystems.of(folder, conf);
        if (fs instanceof RawLocalFileSystem local) {
            return walkLocal(local.pathToFile(folder).toPath());
        }
        List<Entry> out = new ArrayList<>();
        Path qualified = fs.makeQualified(folder);
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(qualified, true);
        while (it.hasNext()) {
            LocatedFileStatus s = it.next();
            String relative = LakePaths.relative(qualified.toString(), s.getPath().toString());
            if (s.isFile() && relative != null && !hiddenBelow(relative)) {
                out.add(new Entry(s.getPath().toString(), s.getLen(), s.getModificationTime()));
            }
        }
        return out;
    }

    /**
     * Symbolic links are followed, as a lake assembled from links is common. A dangling link is listed with
     * unknown size, so that reading it reports it as a bad file instead of dropping it; a link that loops back
     * to a folder above it, or an entry that cannot be read, is listed with its problem.
     */
    private static List<Entry> walkLocal(java.nio.file.Path root) throws IOException {
        List<Entry> out = new ArrayList<>();
        Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(java.nio.file.Path dir, BasicFileAttributes a) {
                        return !dir.equals(root) && hiddenBelow(root.relativize(dir).toString())
                                ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(java.nio.file.Path p, BasicFileAttributes a) {
                        if (hiddenBelow(root.relativize(p).toString())) {
                            return FileVisitResult.CONTINUE;
                        }
                        if (a.isRegularFile()) {
                            out.add(new Entry(uri(p), a.size(), a.lastModifiedTime().toMillis()));
                        } else if (a.isSymbolicLink()) {
                            // The walk could not follow it: its target is gone.
                            out.add(new Entry(uri(p), -1, -1));
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(java.nio.file.Path p, IOException e) throws IOException {
                        if (p.equals(root)) {
                            throw e;
                        }
                        if (!hiddenBelow(root.relativize(p).toString())) {
                            out.add(e instanceof NoSuchFileException ? new Entry(uri(p), -1, -1)
                                    : new Entry(uri(p), -1, -1, e instanceof FileSystemLoopException
                                    ? "a symbolic link that loops back to a folder above it"
                                    : "cannot be listed: " + e));
                        }
                        return FileVisitResult.CONTINUE;
                    }
                });
        return out;
    }

    private static String uri(java.nio.file.Path p) {
        String uri = new Path(p.toUri()).toString();
        // A folder's URI (a looping link is one) ends in '/'; its name is what the user knows.
        return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }

    private static boolean hiddenBelow(String relative) {
        for (String part : relative.split("/")) {
            if (LakePaths.isHidden(part)) {
                return true;
            }
        }
        return false;
    }
}
