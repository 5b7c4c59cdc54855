package io.sparkcnn.spark.training;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkcnn.config.BuildInfo;
import io.sparkcnn.data.FileSystems;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A training run's checkpoints in a folder on any Hadoop FileSystem: {@code round-<N>/} holds
 * {@code checkpoint.bin} (the {@link Checkpoint}, Java-serialised) and {@code checkpoint.json} (position,
 * images seen, identity, and the length and SHA-256 of checkpoint.bin), written in that order under a hidden
 * name and renamed. A checkpoint is loaded only when its JSON is there and the data matches its length and
 * hash, so a partial one (a crash while writing, a rename that is a copy, as on S3) or a corrupt one is
 * skipped with a warning, never loaded.
 */
public final class Checkpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
    public static final String DATA = "checkpoint.bin";
    static final String INFO = "checkpoint.json";
    private static final Pattern NAME = Pattern.compile("round-(\\d+)");

    /** A checkpoint read back, with where it came from. */
    public record Loaded(Checkpoint checkpoint, String location) {
    }

    private final Path dir;
    private final FileSystem fs;
    private final int keep;

    public Checkpoints(String dir, int keep, Configuration conf) throws IOException {
        this.dir = FileSystems.qualified(dir, conf);
        this.fs = FileSystems.of(this.dir, conf);
        this.keep = keep;
    }

    public String location() {
        return dir.toString();
    }

    /** Writes a checkpoint atomically, then deletes the oldest beyond the number to keep. */
    public String save(Checkpoint c) throws IOException {
        long start = System.nanoTime();
        String name = String.format("round-%09d", c.roundsDone());
        Path tmp = new Path(dir, "." + name + "-" + UUID.randomUUID() + ".tmp");
        Path target = new Path(dir, name);
        byte[] data = serialise(c);
        fs.mkdirs(tmp);
        try (OutputStream out = FileSystems.create(fs, new Path(tmp, DATA))) {
            out.write(data);
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("format", 1);
        info.put("codeVersion", BuildInfo.version());
        info.put("createdAt", Instant.now().toString());
        info.put("epoch", c.epoch());
        info.put("round", c.round());
        info.put("roundsDone", c.roundsDone());
        info.put("imagesSeen", c.seen() + c.tally().images);
        info.put("dataFile", DATA);
        info.put("dataBytes", data.length);
        info.put("dataSha256", sha256(data));
        info.put("identity", c.identity());
        try (OutputStream out = FileSystems.create(fs, new Path(tmp, INFO))) {
            out.write(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(info));
        }
        if (fs.exists(target)) {
            // Only a run restarted from an older checkpoint gets here; what it wrote before is the same round.
            fs.delete(target, true);
        }
        FileSystems.rename(fs, tmp, target);
        List<Path> all = complete();
        for (int i = keep; i < all.size(); i++) {
            fs.delete(all.get(i), true);
        }
        LOG.info(String.format(java.util.Locale.ROOT, "checkpoint %s (%s): %d KB in %.2f s", target,
                c.round() == 0 ? "end of epoch " + c.epoch() : "epoch " + (c.epoch() + 1) + " after round " + c.round(),
                data.length / 1024, (System.nanoTime() - start) / 1e9));
        return target.toString();
    }

    /**
     * The newest checkpoint that is complete and intact; every one skipped on the way is logged and passed to
     * {@code skipped} as "location: why".
     */
    public Optional<Loaded> newest(Consumer<String> skipped) throws IOException {
        for (Path p : complete()) {
            try {
                return Optional.of(new Loaded(read(p), p.toString()));
            } catch (UnusableCheckpointException e) {
                LOG.warn("skipping checkpoint {}: {}", p, e.getMessage());
                skipped.accept(p + ": " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** The checkpoint folders (not the hidden ones being written), newest first. */
    List<Path> complete() throws IOException {
        if (!fs.exists(dir)) {
            return List.of();
        }
        List<Path> found = new ArrayList<>();
        for (FileStatus s : fs.listStatus(dir)) {
            if (s.isDirectory() && NAME.matcher(s.getPath().getName()).matches()) {
                found.add(s.getPath());
            }
        }
        found.sort(Comparator.comparingLong(Checkpoints::roundsOf).reversed());
        return found;
    }

    /** Whether anything is in the checkpoint folder (complete, partial or being written). */
    public boolean exist() throws IOException {
        return fs.exists(dir) && fs.listStatus(dir).length > 0;
    }

    public void deleteAll() throws IOException {
        if (fs.exists(dir) && !fs.delete(dir, true)) {
            throw new IOException("cannot delete " + dir);
        }
    }

    private Checkpoint read(Path p) throws IOException {
        Path infoFile = new Path(p, INFO);
        Path dataFile = new Path(p, DATA);
        if (!fs.exists(infoFile)) {
            throw new UnusableCheckpointException("partial: no " + INFO);
        }
        Map<?, ?> info;
        try (InputStream in = fs.open(infoFile)) {
            info = new ObjectMapper().readValue(in.readAllBytes(), Map.class);
        } catch (IOException e) {
            throw new UnusableCheckpointException(INFO + " is not valid JSON (" + e.getMessage().lines().findFirst()
                    .orElse("") + ")");
        }
        if (!fs.exists(dataFile)) {
            throw new UnusableCheckpointException("partial: no " + DATA);
        }
        byte[] data;
        try (InputStream in = fs.open(dataFile)) {
            data = in.readAllBytes();
        }
        Object bytes = info.get("dataBytes");
        if (!(bytes instanceof Number n) || n.longValue() != data.length) {
            throw new UnusableCheckpointException(DATA + " has " + data.length + " bytes, " + INFO + " says " + bytes);
        }
        if (!sha256(data).equals(info.get("dataSha256"))) {
            throw new UnusableCheckpointException(DATA + " does not match the SHA-256 in " + INFO + " (corrupt)");
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(data))) {
            return (Checkpoint) in.readObject();
        } catch (IOException | ClassNotFoundException | ClassCastException e) {
            throw new UnusableCheckpointException("written by another version of spark-cnn ("
                    + info.get("codeVersion") + ") and unreadable by this one: " + e);
        }
    }

    private static long roundsOf(Path p) {
        Matcher m = NAME.matcher(p.getName());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private static byte[] serialise(Checkpoint c) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(c);
        }
        return bytes.toByteArray();
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Why a checkpoint folder cannot be loaded. */
    static final class UnusableCheckpointException extends IOException {
        UnusableCheckpointException(String message) {
            super(message);
        }
    }
}
