package io.sparkcnn.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The launcher reads conf/java17.flags and the pom lists them for tests: keep the two in step. */
class Java17FlagsTest {
    @Test
    void testJvmRunsWithEveryFlagTheLauncherUses() throws IOException {
        List<String> flags = Files.readAllLines(Path.of("conf/java17.flags")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
        List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String flag : flags) {
            assertTrue(jvmArgs.contains(flag), "surefire argLine (pom.xml java17.opens) lacks " + flag);
        }
    }
}
