package io.sparkcnn.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.Settings;
import io.sparkcnn.data.DataException;
import io.sparkcnn.data.FileSystems;
import io.sparkcnn.model.ModelStore;
import io.sparkcnn.model.SavedModel;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One model's folder in a registry, {@code <registry.dir>/<name>/}:
 * <pre>
 *   v1/ v2/ ...            complete versions: a ModelStore model folder plus version.json
 *   champion/000001.json   the promotion history, one record per change; the newest names the champion
 *   LOCK                   held while a job changes the model ({@link RegistryLock})
 *   .staging-*             versions being written (hidden: never listed, removed by the next locked writer)
 * </pre>
 * A version is written whole under a hidden name and renamed to {@code v<N>}; a promotion record likewise.
 * version.json records each file's length and SHA-256, checked before a version is read or promoted.
 * So a job killed anywhere leaves the champion pointing at a complete version, and any version it finished
 * writing is complete. Changes go through a held {@link RegistryLock}.
 */
public final class ModelRegistry {
    public static final String VERSION_INFO = "version.json";
    public static final String CHAMPION_DIR = "champion";
    /** version.json's record of each file's length and SHA-256 at registration. */
    public static final String FILES = "files";
    /**
     * version.json's {@code true} when the registering job decided to promote the version (a retrain's accepted
     * challenger, a model's first version): what {@link #completeInterruptedPromotion} finishes.
     */
    public static final String PROMOTE = "promote";
    private static final Pattern VERSION = Pattern.compile("v([1-9][0-9]*)");
    private static final Pattern RECORD = Pattern.compile("([0-9]{6,})\\.json");
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

    private final FileSystem fs;
    private final Path dir;
    private final String name;
    private final RegistryFaults faults;

    private ModelRegistry(FileSystem fs, Path dir, String name, RegistryFaults faults) {
        this.fs = fs;
        this.dir = dir;
        this.name = name;
        this.faults = faults;
    }

    /** The model {@code name} in the registry at {@code registryDir} (created on first write). */
    public static ModelRegistry open(String registryDir, String name, Configuration conf) throws IOException {
        return open(registryDir, name, conf, RegistryFaults.NONE);
    }

    public static ModelRegistry open(String registryDir, String name, Configuration conf, RegistryFaults faults)
            throws IOException {
        Settings.REGISTRY_MODEL.check(name);
        Path root = FileSystems.qualified(registryDir, conf);
        FileSystem fs = FileSystems.of(root, conf);
        if (fs.exists(root) && !fs.getFileStatus(root).isDirectory()) {
            throw new ConfigException(Settings.REGISTRY_DIR.key(), root + " is a file, not a folder");
        }
        return new ModelRegistry(fs, new Path(root, name), name, faults);
    }

    public String name() {
        return name;
    }

    public String location() {
        return dir.toString();
    }

    /** Takes this model's lock for {@code purpose} (see {@link RegistryLock}). */
    public RegistryLock lock(String purpose, Duration staleAfter) throws IOException {
        return RegistryLock.acquire(fs, dir, purpose, staleAfter);
    }

    /** The complete versions, oldest first, each with its status. */
    public List<RegistryVersion> versions() throws IOException {
        List<Promotion> history = promotions();
        Integer champion = history.isEmpty() ? null : history.get(history.size() - 1).version();
        Set<Integer> promoted = new HashSet<>();
        history.forEach(p -> promoted.add(p.version()));
        List<RegistryVersion> versions = new ArrayList<>();
        for (int n : versionNumbers()) {
            Map<String, Object> entry = readJson(new Path(versionPath(n), VERSION_INFO));
            RegistryVersion.Status status = champion != null && n == champion ? RegistryVersion.Status.CHAMPION
                    : promoted.contains(n) ? RegistryVersion.Status.FORMER_CHAMPION
                    : Boolean.FALSE.equals(decision(entry).get("accepted")) ? RegistryVersion.Status.REJECTED
                    : RegistryVersion.Status.CANDIDATE;
            versions.add(new RegistryVersion(n, versionPath(n).toString(), entry, status));
        }
        return versions;
    }

    /** One complete version, or a configuration error naming it and the versions there are. */
    public RegistryVersion version(int number) throws IOException {
        for (RegistryVersion v : versions()) {
            if (v.number() == number) {
                return v;
            }
        }
        throw new ConfigException("version", "model " + name + " in " + dir.getParent() + " has no version v" + number
                + "; it has " + versionNumbers().stream().map(n -> "v" + n).toList());
    }

    /** The current champion, if any version was ever promoted. */
    public Optional<RegistryVersion> champion() throws IOException {
        return versions().stream().filter(v -> v.status() == RegistryVersion.Status.CHAMPION).findFirst();
    }

    /** The newest complete version, whatever its status: its data snapshot is what a retrain compares with. */
    public Optional<RegistryVersion> newest() throws IOException {
        List<RegistryVersion> all = versions();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /**
     * Reads a version's model after checking every file against the length and SHA-256 recorded when it was
     * registered; a damaged or unreadable version is a {@link DataException} naming the version and the file.
     */
    public SavedModel read(RegistryVersion version) throws IOException {
        requireIntact(version);
        try {
            return ModelStore.read(version.location(), fs.getConf());
        } catch (IOException | RuntimeException e) {
            throw new DataException("model " + name + " " + version.name() + " at " + version.location()
                    + " cannot be read: " + e.getMessage());
        }
    }

    /**
     * What is wrong with a version's files, compared with what registration recorded (each file's length, and
     * with {@code hashes} its SHA-256); empty when intact, or when it was registered before checksums were kept.
     */
    @SuppressWarnings("unchecked")
    public List<String> damage(RegistryVersion version, boolean hashes) throws IOException {
        Path folder = new Path(version.location());
        Map<String, Object> entry = version.entry();
        List<String> problems = new ArrayList<>();
        if (!(entry.get(FILES) instanceof Map<?, ?> recorded)) {
            return problems;
        }
        for (Map.Entry<?, ?> e : recorded.entrySet()) {
            String file = String.valueOf(e.getKey());
            Map<String, Object> expected = (Map<String, Object>) e.getValue();
            Path path = new Path(folder, file);
            if (!fs.exists(path)) {
                problems.add(file + " is missing");
                continue;
            }
            long bytes = fs.getFileStatus(path).getLen();
            long wanted = ((Number) expected.get("bytes")).longValue();
            if (bytes != wanted) {
                problems.add(file + " is " + bytes + " bytes, not " + wanted);
            } else if (hashes && !sha256(path).equals(expected.get("sha256"))) {
                problems.add(file + " has another SHA-256 than " + expected.get("sha256"));
            }
        }
        return problems;
    }

    private void requireIntact(RegistryVersion version) throws IOException {
        List<String> damage = damage(version, true);
        if (!damage.isEmpty()) {
            throw new DataException("model " + name + " " + version.name() + " at " + version.location()
                    + " is damaged: " + String.join("; ", damage) + " (recorded when it was registered); restore "
                    + "its files, or promote or roll back to another version");
        }
    }


    /** Each file of a written version folder (but version.json, which holds this): its length and SHA-256. */
    private Map<String, Object> checksums(Path folder) throws IOException {
        Map<String, Object> files = new java.util.TreeMap<>();
        for (FileStatus f : fs.listStatus(folder)) {
            String n = f.getPath().getName();
            if (f.isFile() && !n.equals(VERSION_INFO) && !n.startsWith(".")) {
                files.put(n, Map.of("bytes", f.getLen(), "sha256", sha256(f.getPath())));
            }
        }
        return files;
    }

    private String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = fs.open(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return java.util.HexFormat.of().formatHex(digest.digest());
    }

    /** Reads a file of a version's folder (e.g. its data snapshot). */
    public String readFile(RegistryVersion version, String file) throws IOException {
        try (InputStream in = fs.open(new Path(version.location(), file))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The promotion history, oldest first. */
    public List<Promotion> promotions() throws IOException {
        Path champions = new Path(dir, CHAMPION_DIR);
        List<Promotion> out = new ArrayList<>();
        for (FileStatus s : list(champions)) {
            Matcher m = RECORD.matcher(s.getPath().getName());
            if (m.matches()) {
                out.add(Promotion.of(Long.parseLong(m.group(1)), readJson(s.getPath())));
            }
        }
        out.sort(java.util.Comparator.comparingLong(Promotion::sequence));
        return out;
    }

    /**
     * Writes a new version under the held lock: the model, extra files and {@code entry} (version.json) are
     * written whole under a hidden name, then renamed to the next {@code v<N>}. Leftovers of killed writers are
     * removed first (we hold the lock, so nobody else is writing).
     */
    public RegistryVersion register(SavedModel model, Map<String, byte[]> extraFiles, Map<String, Object> entry,
                                    RegistryLock lock) throws IOException {
        requireHeld(lock);
        removeLeftovers();
        int number = versionNumbers().stream().mapToInt(Integer::intValue).max().orElse(0) + 1;
        Map<String, Object> info = new LinkedHashMap<>(entry);
        info.putIfAbsent("createdAt", Instant.now().toString());
        Path staging = new Path(dir, ".staging-" + UUID.randomUUID());
        ModelStore.write(model, extraFiles, staging.toString(), false, fs.getConf());
        info.put(FILES, checksums(staging));
        try (OutputStream out = FileSystems.create(fs, new Path(staging, VERSION_INFO))) {
            out.write(json(info));
        }
        faults.at(RegistryFaults.Step.VERSION_STAGED);
        FileSystems.rename(fs, staging, versionPath(number));
        faults.at(RegistryFaults.Step.VERSION_PUBLISHED);
        LOG.info("Registered {} v{} at {}", name, number, versionPath(number));
        return version(number);
    }

    /**
     * Finishes what a writer killed between registering a version and promoting it left undone: when the newest
     * version's own decision says promote, it was never promoted, and the champion it was compared with is still
     * the champion, it is promoted now, the record saying so. A decision overtaken by a later promotion is left as
     * it is (logged). Returns the promotion made, if any.
     */
    public Optional<Promotion> completeInterruptedPromotion(RegistryLock lock) throws IOException {
        requireHeld(lock);
        List<RegistryVersion> all = versions();
        if (all.isEmpty()) {
            return Optional.empty();
        }
        RegistryVersion newest = all.get(all.size() - 1);
        Map<String, Object> decision = decision(newest.entry());
        boolean decided = Boolean.TRUE.equals(newest.entry().get(PROMOTE)) || Boolean.TRUE.equals(decision.get("accepted"));
        if (newest.status() != RegistryVersion.Status.CANDIDATE || !decided) {
            return Optional.empty();
        }
        Object comparedWith = decision.get("championVersion");
        Optional<RegistryVersion> champion = all.stream()
                .filter(v -> v.status() == RegistryVersion.Status.CHAMPION).findFirst();
        if (champion.isPresent() && comparedWith instanceof Number n && n.intValue() != champion.get().number()) {
            LOG.warn("{} {}'s decision said promote, but it was compared with v{} and {} is the champion now: "
                    + "leaving it a candidate", name, newest.name(), n, champion.get().name());
            return Optional.empty();
        }
        LOG.warn("{} {} was registered with a decision to promote it, but the job was stopped before the promotion: "
                + "completing it", name, newest.name());
        return Optional.of(record(newest.number(), "promote", "completing an interrupted promotion (the job that "
                + "registered " + newest.name() + " decided to promote it)", lock));
    }

    /** Makes {@code version} the champion under the held lock, recording why and by whom. */
    public Promotion promote(int version, String reason, RegistryLock lock) throws IOException {
        return record(version, "promote", reason, lock);
    }

    /**
     * Makes the champion before the current one champion again, as an undo stack: promotions push, rollbacks
     * pop, so successive rollbacks walk back through earlier champions. Fails, naming the model, when the
     * current champion is its first.
     */
    public Promotion rollback(String reason, RegistryLock lock) throws IOException {
        java.util.ArrayDeque<Integer> reigns = new java.util.ArrayDeque<>();
        for (Promotion p : promotions()) {
            if ("rollback".equals(p.action())) {
                reigns.pop();
            } else {
                reigns.push(p.version());
            }
        }
        if (reigns.size() < 2) {
            throw new ConfigException("rollback", "model " + name + " has no earlier champion to roll back to"
                    + (reigns.isEmpty() ? " (no champion at all)" : " (v" + reigns.peek() + " is its first)"));
        }
        reigns.pop();
        return record(reigns.peek(), "rollback", reason, lock);
    }

    private Promotion record(int version, String action, String reason, RegistryLock lock) throws IOException {
        requireHeld(lock);
        requireIntact(version(version));
        List<Promotion> history = promotions();
        Integer previous = history.isEmpty() ? null : history.get(history.size() - 1).version();
        long sequence = history.isEmpty() ? 1 : history.get(history.size() - 1).sequence() + 1;
        Promotion p = new Promotion(sequence, version, action, Instant.now().toString(),
                System.getProperty("user.name") + "@" + RegistryLock.host(), reason, previous);
        Path champions = new Path(dir, CHAMPION_DIR);
        fs.mkdirs(champions);
        Path tmp = new Path(champions, "." + UUID.randomUUID() + ".tmp");
        try (OutputStream out = FileSystems.create(fs, tmp)) {
            out.write(json(p.toMap()));
        }
        faults.at(RegistryFaults.Step.POINTER_STAGED);
        Path target = new Path(champions, String.format("%06d.json", sequence));
        if (fs.exists(target)) {
            throw new IOException(target + " exists already: the promotion history changed under the lock");
        }
        FileSystems.rename(fs, tmp, target);
        faults.at(RegistryFaults.Step.POINTER_PUBLISHED);
        LOG.info("{} {}: v{} is the champion (was {}): {}", name, action, version,
                previous == null ? "none" : "v" + previous, reason);
        return p;
    }

    private void requireHeld(RegistryLock lock) throws IOException {
        if (lock == null || !lock.held()) {
            throw new RegistryLock.LockedException(new Path(dir, RegistryLock.FILE)
                    + " is not held by this job any more (taken over as stale?); refusing to change the registry");
        }
    }

    /** Hidden staging folders and pointer files of writers killed mid-write. */
    private void removeLeftovers() throws IOException {
        for (FileStatus s : list(dir)) {
            String n = s.getPath().getName();
            if (n.startsWith(".staging-") || n.startsWith("..staging-")) {
                LOG.warn("Removing {}, left by a job killed while it registered a version", s.getPath());
                fs.delete(s.getPath(), true);
            }
        }
        for (FileStatus s : list(new Path(dir, CHAMPION_DIR))) {
            if (s.getPath().getName().startsWith(".")) {
                fs.delete(s.getPath(), false);
            }
        }
    }

    private List<Integer> versionNumbers() throws IOException {
        List<Integer> numbers = new ArrayList<>();
        for (FileStatus s : list(dir)) {
            Matcher m = VERSION.matcher(s.getPath().getName());
            if (s.isDirectory() && m.matches() && fs.exists(new Path(s.getPath(), VERSION_INFO))
                    && fs.exists(new Path(s.getPath(), ModelStore.MARKER))) {
                numbers.add(Integer.parseInt(m.group(1)));
            }
        }
        numbers.sort(null);
        return numbers;
    }

    private Path versionPath(int n) {
        return new Path(dir, "v" + n);
    }

    private FileStatus[] list(Path folder) throws IOException {
        try {
            return fs.listStatus(folder);
        } catch (FileNotFoundException e) {
            return new FileStatus[0];
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> decision(Map<String, Object> entry) {
        Object d = entry.get("decision");
        return d instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> readJson(Path file) throws IOException {
        try (InputStream in = fs.open(file)) {
            return new ObjectMapper().readValue(in.readAllBytes(), Map.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static byte[] json(Map<String, Object> map) throws IOException {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(map);
    }
}
