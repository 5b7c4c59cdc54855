package io.sparkcnn.registry;

import io.sparkcnn.config.ConfigException;
import io.sparkcnn.model.ModelStore;
import io.sparkcnn.model.SavedModel;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import io.sparkcnn.testing.MiniHdfs;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry on the local FileSystem and on a real HDFS (MiniDFSCluster): versions, champion pointer,
 * promotion history and rollback, the lock (refusal, stale takeover) and what a job killed with SIGKILL at
 * each step of a register-and-promote leaves behind.
 */
@ExtendWith(MiniHdfs.class)
class ModelRegistryTest {
    private static String hdfs;

    @TempDir
    java.nio.file.Path tmp;

    @BeforeAll
    static void useHdfs() {
        hdfs = MiniHdfs.uri();
    }

    private String root(String fs) {
        return fs.equals("hdfs") ? hdfs + "/registry-" + UUID.randomUUID() : tmp.resolve("registry").toUri().toString();
    }

    private static ModelRegistry open(String root) throws IOException {
        return ModelRegistry.open(root, "digits", new Configuration());
    }

    private static RegistryVersion register(ModelRegistry r, RegistryLock lock, long seed) throws IOException {
        return r.register(RegistryFixtures.model(seed), RegistryFixtures.snapshot("snapshot of " + seed),
                Map.of("kind", "train"), lock);
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "hdfs"})
    void versionsArePromotedAndRolledBackThroughTheHistory(String fs) throws IOException {
        ModelRegistry r = open(root(fs));
        assertTrue(r.versions().isEmpty());
        assertTrue(r.champion().isEmpty());
        try (RegistryLock lock = r.lock("test", Duration.ofHours(1))) {
            assertEquals(1, register(r, lock, 1).number());
            assertEquals(RegistryVersion.Status.CANDIDATE, r.version(1).status());
            r.promote(1, "first", lock);
            assertEquals(2, register(r, lock, 2).number());
            assertEquals(3, register(r, lock, 3).number());
            r.promote(2, "better", lock);
            r.promote(3, "better still", lock);
            assertEquals(3, r.champion().orElseThrow().number());
            assertEquals(List.of(RegistryVersion.Status.FORMER_CHAMPION, RegistryVersion.Status.FORMER_CHAMPION,
                    RegistryVersion.Status.CHAMPION), r.versions().stream().map(RegistryVersion::status).toList());

            assertEquals(2, r.rollback("v3 misbehaves", lock).version());
            assertEquals(2, r.champion().orElseThrow().number());
            assertEquals(1, r.rollback("v2 too", lock).version());
            ConfigException none = assertThrows(ConfigException.class, () -> r.rollback("again", lock));
            assertTrue(none.getMessage().contains("v1 is its first"), none.getMessage());
            ConfigException missing = assertThrows(ConfigException.class, () -> r.promote(9, "no such", lock));
            assertTrue(missing.getMessage().contains("no version v9") && missing.getMessage().contains("[v1, v2, v3]"),
                    missing.getMessage());
        }
        List<Promotion> history = open(r.location().replaceAll("/digits$", "")).promotions();
        assertEquals(List.of("promote", "promote", "promote", "rollback", "rollback"),
                history.stream().map(Promotion::action).toList());
        assertEquals(Arrays.asList(null, 1, 2, 3, 2), history.stream().map(Promotion::previous).toList());

        // The champion's model reads back as it was written.
        SavedModel read = r.read(r.champion().orElseThrow());
        assertArrayEquals(RegistryFixtures.model(1).network().params().data().asFloat(),
                read.network().params().data().asFloat());
        assertEquals("snapshot of 1", r.readFile(r.champion().orElseThrow(), "snapshot.tsv"));
    }

    @org.junit.jupiter.api.Test
    void aDamagedVersionIsListedAsDamagedAndIsNeitherReadNorPromoted() throws IOException {
        ModelRegistry r = open(root("local"));
        try (RegistryLock lock = r.lock("test", Duration.ofHours(1))) {
            r.promote(register(r, lock, 1).number(), "first", lock);
            register(r, lock, 2);
            register(r, lock, 3);
            java.nio.file.Path v2 = java.nio.file.Path.of(java.net.URI.create(r.version(2).location()))
                    .resolve(ModelStore.NETWORK);
            byte[] zip = java.nio.file.Files.readAllBytes(v2);
            java.nio.file.Files.write(v2, Arrays.copyOf(zip, zip.length / 2));
            java.nio.file.Path v3 = v2.getParent().resolveSibling("v3").resolve(ModelStore.NETWORK);
            byte[] flipped = java.nio.file.Files.readAllBytes(v3);
            flipped[flipped.length / 2] ^= 1;
            java.nio.file.Files.write(v3, flipped);

            assertEquals(List.of("model.zip is " + zip.length / 2 + " bytes, not " + zip.length),
                    r.damage(r.version(2), false));
            assertEquals(List.of(), r.damage(r.version(3), false), "listing compares lengths only");
            assertEquals(List.of("model.zip has another SHA-256 than "), r.damage(r.version(3), true).stream()
                    .map(d -> d.replaceAll("[0-9a-f]{64}", "")).toList());
            for (int v : new int[] {2, 3}) {
                io.sparkcnn.data.DataException promote = assertThrows(io.sparkcnn.data.DataException.class,
                        () -> r.promote(v, "looks fine", lock));
                assertTrue(promote.getMessage().startsWith("model digits v" + v + " at ")
                        && promote.getMessage().contains("is damaged: model.zip "), promote.getMessage());
                assertThrows(io.sparkcnn.data.DataException.class, () -> r.read(r.version(v)));
            }
            assertEquals(1, r.champion().orElseThrow().number(), "a refused promotion changes nothing");
            assertTrue(r.damage(r.version(1), true).isEmpty());
        }
    }

    @org.junit.jupiter.api.Test
    void aVersionRegisteredBeforeChecksumsStillReadsAndAnUnreadableOneIsNamed() throws IOException {
        ModelRegistry r = open(root("local"));
        try (RegistryLock lock = r.lock("test", Duration.ofHours(1))) {
            register(r, lock, 1);
        }
        java.nio.file.Path folder = java.nio.file.Path.of(java.net.URI.create(r.version(1).location()));
        java.nio.file.Path info = folder.resolve(ModelRegistry.VERSION_INFO);
        java.nio.file.Files.writeString(info, java.nio.file.Files.readString(info)
                .replaceAll("(?s),\\s*\"files\" : \\{.*\\}\\s*\\}\\s*\\}", "\n}"));
        assertFalse(r.version(1).entry().containsKey(ModelRegistry.FILES), java.nio.file.Files.readString(info));
        assertEquals(3, r.read(r.version(1)).labels().size());

        java.nio.file.Files.write(folder.resolve(ModelStore.NETWORK), new byte[] {'P', 'K', 3, 4, 0});
        io.sparkcnn.data.DataException e = assertThrows(io.sparkcnn.data.DataException.class,
                () -> r.read(r.version(1)));
        assertTrue(e.getMessage().startsWith("model digits v1 at ") && e.getMessage().contains("model.zip cannot be "
                + "read (truncated, or not a DL4J model file?)"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "hdfs"})
    void aSecondJobIsRefusedWhileTheLockIsHeldAndTakesOverAStaleOne(String fs) throws IOException {
        ModelRegistry r = open(root(fs));
        RegistryLock first = r.lock("retrain app-1", Duration.ofHours(1));
        RegistryLock.LockedException refused = assertThrows(RegistryLock.LockedException.class,
                () -> r.lock("retrain app-2", Duration.ofHours(1)));
        assertTrue(refused.getMessage().contains("retrain app-1") && refused.getMessage().contains("pid "
                + ProcessHandle.current().pid()), refused.getMessage());
        first.close();
        r.lock("retrain app-3", Duration.ofHours(1)).close();

        // Untouched for longer than the stale timeout: taken over; the old holder can no longer write.
        RegistryLock old = r.lock("retrain app-4", Duration.ofHours(1));
        Path lockFile = new Path(r.location(), RegistryLock.FILE);
        FileSystem fileSystem = lockFile.getFileSystem(new Configuration());
        fileSystem.setTimes(lockFile, System.currentTimeMillis() - 7_200_000L, -1);
        try (RegistryLock taker = r.lock("retrain app-5", Duration.ofHours(1))) {
            assertTrue(taker.held());
            assertFalse(old.held());
            assertThrows(RegistryLock.LockedException.class, () -> register(r, old, 1));
            assertEquals(1, register(r, taker, 1).number());
        }
        old.close(); // not ours any more: leaves the (already released) lock alone
        assertFalse(fileSystem.exists(lockFile));
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "hdfs"})
    void aLockOfADeadProcessOnThisHostIsTakenOverAtOnce(String fs) throws Exception {
        ModelRegistry r = open(root(fs));
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Path lockFile = new Path(r.location(), RegistryLock.FILE);
        FileSystem fileSystem = lockFile.getFileSystem(new Configuration());
        try (OutputStream out = fileSystem.create(lockFile, false)) {
            out.write(("{\"token\":\"t\",\"user\":\"someone\",\"host\":\"" + RegistryLock.host() + "\",\"pid\":"
                    + dead.pid() + ",\"purpose\":\"retrain\",\"acquiredAt\":\"then\"}").getBytes(StandardCharsets.UTF_8));
        }
        try (RegistryLock lock = r.lock("retrain", Duration.ofHours(1))) {
            assertTrue(lock.held());
        }
    }

    /**
     * A job killed (SIGKILL) at any step of registering and promoting a version leaves the champion readable
     * and no half version: the old champion, or the new version complete, and the next writer cleans up.
     */
    @ParameterizedTest
    @EnumSource(RegistryFaults.Step.class)
    void aJobKilledWhileRegisteringOrPromotingLeavesTheRegistryConsistent(RegistryFaults.Step step) throws Exception {
        for (String fs : List.of("local", "hdfs")) {
            String root = root(fs);
            ModelRegistry r = open(root);
            try (RegistryLock lock = r.lock("setup", Duration.ofHours(1))) {
                r.promote(register(r, lock, 1).number(), "first", lock);
            }
            killAt(root, step);

            ModelRegistry after = open(root);
            boolean published = step != RegistryFaults.Step.VERSION_STAGED;
            assertEquals(published ? List.of(1, 2) : List.of(1),
                    after.versions().stream().map(RegistryVersion::number).toList(), fs + " " + step);
            int champion = step == RegistryFaults.Step.POINTER_PUBLISHED ? 2 : 1;
            assertEquals(champion, after.champion().orElseThrow().number(), fs + " " + step);
            assertEquals(RegistryFixtures.model(champion == 1 ? 1 : 7).network().numParams(),
                    ModelStore.read(after.champion().orElseThrow().location(), new Configuration()).network().numParams());
            // The killed job's lock (its process is gone) does not block the next job, which cleans up and numbers on.
            try (RegistryLock lock = after.lock("next", Duration.ofHours(1))) {
                assertEquals(published ? 3 : 2, register(after, lock, 3).number(), fs + " " + step);
            }
            Path dir = new Path(after.location());
            FileSystem fileSystem = dir.getFileSystem(new Configuration());
            List<String> names = new ArrayList<>();
            for (var s : fileSystem.listStatus(dir)) {
                names.add(s.getPath().getName());
            }
            for (var s : fileSystem.listStatus(new Path(dir, ModelRegistry.CHAMPION_DIR))) {
                names.add("champion/" + s.getPath().getName());
            }
            assertTrue(names.stream().noneMatch(n -> n.contains("/.") || n.startsWith(".")), fs + " " + step + " "
                    + names);
        }
    }

    private static void killAt(String root, RegistryFaults.Step step) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-XX:+Ignore") || a.startsWith("-Djdk.")).toList());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), RegistryCrashMain.class.getName(), root, "digits",
                step.name()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && !line.equals("AT " + step)) {
                assertFalse(line.equals("DONE"), "the job passed " + step + " without stopping");
            }
            assertEquals("AT " + step, line, "the job ended before reaching " + step);
            p.destroyForcibly(); // SIGKILL: no finally block, no shutdown hook runs
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
    }
}
