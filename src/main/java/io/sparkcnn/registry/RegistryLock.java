package io.sparkcnn.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkcnn.data.FileSystems;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A model's lock: the file {@code <model>/LOCK}, created only if absent (an exclusive create on HDFS and on
 * the local FS; on S3 the check and the write are two requests, so two jobs started in the same second can
 * both win there). It names its owner (user, host, process, what it is doing) and the time it was taken;
 * its holder touches it every {@code staleAfter / 6} (at most every minute) so a long job keeps it. A lock
 * untouched for {@code staleAfter}, or held by a process of this host that no longer runs, is stale and taken
 * over with a warning naming its owner. Closing releases it, if it is still ours.
 */
public final class RegistryLock implements AutoCloseable {
    public static final String FILE = "LOCK";
    private static final Logger LOG = LoggerFactory.getLogger(RegistryLock.class);

    private final FileSystem fs;
    private final Path file;
    private final String token;
    private final ScheduledExecutorService heartbeat;

    private RegistryLock(FileSystem fs, Path file, String token, Duration staleAfter) {
        this.fs = fs;
        this.file = file;
        this.token = token;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "registry-lock-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(1, Math.min(60, staleAfter.toSeconds() / 6));
        heartbeat.scheduleAtFixedRate(this::touch, every, every, TimeUnit.SECONDS);
    }

    /** The lock is held by someone else, and is not stale. */
    public static final class LockedException extends IOException {
        LockedException(String message) {
            super(message);
        }
    }

    /**
     * Takes the lock in {@code modelDir} for {@code purpose}, or fails with {@link LockedException} naming the
     * holder and since when.
     */
    static RegistryLock acquire(FileSystem fs, Path modelDir, String purpose, Duration staleAfter) throws IOException {
        Path file = new Path(modelDir, FILE);
        String token = UUID.randomUUID().toString();
        Map<String, Object> owner = new LinkedHashMap<>();
        owner.put("token", token);
        owner.put("user", System.getProperty("user.name"));
        owner.put("host", host());
        owner.put("pid", ProcessHandle.current().pid());
        owner.put("purpose", purpose);
        owner.put("acquiredAt", Instant.now().toString());
        byte[] content = new ObjectMapper().writeValueAsBytes(owner);
        fs.mkdirs(modelDir);
        for (int attempt = 0; attempt < 2; attempt++) {
            if (createExclusive(fs, file, content)) {
                return new RegistryLock(fs, file, token, staleAfter);
            }
            Held held = read(fs, file);
            if (held == null) {
                continue; // released between our create and our read
            }
            String stale = held.staleReason(staleAfter);
            if (stale == null) {
                throw new LockedException(file + " is held by " + held.describe() + ": another job is changing this "
                        + "model. It is taken over once untouched for retrain.lockStaleAfterSeconds = "
                        + staleAfter.toSeconds() + " s; delete it by hand only if that job is certainly dead");
            }
            LOG.warn("Taking over the stale lock {} ({}): it was held by {}", file, stale, held.describe());
            if (!takeOver(fs, file, held)) {
                continue;
            }
        }
        Held held = read(fs, file);
        throw new LockedException(file + " is held by " + (held == null ? "another job" : held.describe()));
    }

    /** Moves a stale lock aside; if what was moved is not the stale lock (a newer owner's), puts it back. */
    private static boolean takeOver(FileSystem fs, Path file, Held stale) throws IOException {
        Path aside = new Path(file.getParent(), ".LOCK-stale-" + UUID.randomUUID());
        try {
            FileSystems.rename(fs, file, aside);
        } catch (IOException e) {
            return false; // someone else moved or released it first
        }
        Held moved = read(fs, aside);
        if (moved != null && !stale.token().equals(moved.token())) {
            // We moved a fresh lock that replaced the stale one after we read it: hand it back.
            FileSystems.rename(fs, aside, file);
            return false;
        }
        fs.delete(aside, false);
        return true;
    }

    private static boolean createExclusive(FileSystem fs, Path file, byte[] content) throws IOException {
        if (fs instanceof RawLocalFileSystem local) {
            try {
                Files.write(local.pathToFile(file).toPath(), content, java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            }
        }
        try (OutputStream out = fs.create(file, false)) {
            out.write(content);
            return true;
        } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            if (fs.exists(file)) {
                return false; // HDFS reports a concurrent create as a RemoteException wrapping AlreadyBeingCreated
            }
            throw e;
        }
    }

    /** A lock as found on the FileSystem: its owner record and when its holder last touched it. */
    record Held(Map<String, Object> owner, long touchedMillis) {
        String token() {
            return String.valueOf(owner.get("token"));
        }

        String describe() {
            return owner.get("user") + "@" + owner.get("host") + " pid " + owner.get("pid") + " (" + owner.get("purpose")
                    + ") since " + owner.get("acquiredAt") + ", last touched " + Instant.ofEpochMilli(touchedMillis);
        }

        /** Why the lock is stale, or null when its holder may still be at work. */
        String staleReason(Duration staleAfter) {
            long age = System.currentTimeMillis() - touchedMillis;
            if (age > staleAfter.toMillis()) {
                return "untouched for " + age / 1000 + " s, more than " + staleAfter.toSeconds() + " s";
            }
            Object pid = owner.get("pid");
            if (host().equals(owner.get("host")) && pid instanceof Number n
                    && ProcessHandle.of(n.longValue()).map(p -> !p.isAlive()).orElse(true)) {
                return "its process " + n + " on this host has ended";
            }
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    static Held read(FileSystem fs, Path file) throws IOException {
        try {
            FileStatus status = fs.getFileStatus(file);
            try (InputStream in = fs.open(file)) {
                byte[] bytes = in.readAllBytes();
                Map<String, Object> owner;
                try {
                    owner = new ObjectMapper().readValue(new String(bytes, StandardCharsets.UTF_8), Map.class);
                } catch (IOException e) {
                    // Half-written by a job killed while creating it: an owner nobody can name, stale by age only.
                    owner = Map.of("token", "unreadable", "user", "?", "host", "?", "pid", "?",
                            "purpose", "unreadable lock file", "acquiredAt", "?");
                }
                return new Held(owner, status.getModificationTime());
            }
        } catch (FileNotFoundException e) {
            return null;
        }
    }

    private void touch() {
        try {
            fs.setTimes(file, System.currentTimeMillis(), -1);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot refresh the registry lock {}: {}", file, e.toString());
        }
    }

    /** Whether the lock file is still this holder's (a stale-lock takeover by another job would end that). */
    public boolean held() throws IOException {
        Held h = read(fs, file);
        return h != null && token.equals(h.token());
    }

    @Override
    public void close() throws IOException {
        heartbeat.shutdownNow();
        if (held()) {
            fs.delete(file, false);
        } else {
            LOG.warn("The registry lock {} is no longer ours (taken over as stale?); leaving it", file);
        }
    }

    static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }
}
