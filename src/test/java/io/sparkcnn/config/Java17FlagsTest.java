package io.sparkcnn.config;

import io.sparkcnn.testing.Java17Flags;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The launcher reads conf/java17.flags and the pom lists them for tests: keep the two in step. */
class Java17FlagsTest {
    @Test
    void testJvmRunsWithEveryFlagTheLauncherUses() throws IOException {
        List<String> flags = Java17Flags.read();
        List<String> jvmArgs = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String flag : flags) {
            assertTrue(jvmArgs.contains(flag), "surefire argLine (pom.xml java17.opens) lacks " + flag);
        }
    }
}
