package io.sparkcnn.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** conf/reference.conf is generated from the declarations; this keeps the committed file in step. */
class ReferenceConfTest {
    private static final Path REFERENCE = Path.of("conf/reference.conf");

    @Test
    void committedReferenceEqualsTheGeneratedOne() throws IOException {
        if (Boolean.getBoolean("regenerate")) {
            Files.writeString(REFERENCE, ReferenceConf.render());
        }
        assertEquals(ReferenceConf.render(), Files.readString(REFERENCE),
                "conf/reference.conf is stale: run scripts/spark-cnn config reference > conf/reference.conf "
                        + "(or mvn test -Dtest=ReferenceConfTest -Dregenerate=true)");
    }

    @Test
    void referenceParsesToTheDefaultsAndDocumentsEveryKey() {
        String text = ReferenceConf.render();
        Config parsed = ConfigFactory.parseString(text);
        Config defaults = JobConfigLoader.defaults();
        for (Setting<?> s : Settings.ALL) {
            Object expected = defaults.getValue(s.key()).unwrapped();
            Object actual = parsed.getValue(s.key()).unwrapped();
            if (expected instanceof Number e && actual instanceof Number a) {
                // HOCON reads a whole number written as 0.0 back as the int 0.
                assertEquals(e.doubleValue(), a.doubleValue(), 0.0, s.key());
            } else if (s.type() != Setting.Type.MAP) {
                assertEquals(String.valueOf(expected), String.valueOf(actual), s.key());
            }
            assertTrue(text.replace("\n# ", " ").contains("Allowed: " + s.allowed()),
                    "documents what " + s.key() + " allows");
        }
    }
}
