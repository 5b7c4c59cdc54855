package io.sparkcnn.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The JVM flags the launcher uses (conf/java17.flags without its comment and blank lines), for tests' JVMs. */
public final class Java17Flags {
    private Java17Flags() {
    }

    public static List<String> read() throws IOException {
        return Files.readAllLines(Path.of("conf/java17.flags")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    }
}
