package io.sparkcnn.data;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LabelIndexTest {
    @Test
    void idsAreSortedPositionsWhateverTheListingOrder() {
        LabelIndex a = LabelIndex.of(List.of("dog", "cat", "bird", "cat"));
        LabelIndex b = LabelIndex.of(List.of("bird", "dog", "cat"));
        assertEquals(a, b);
        assertEquals(List.of("bird", "cat", "dog"), a.labels());
        assertEquals(0, a.id("bird"));
        assertEquals(2, a.id("dog"));
        assertEquals("cat", a.label(1));
    }

    @Test
    void unknownLabelIsAnErrorNamingIt() {
        LabelIndex index = LabelIndex.of(List.of("cat", "dog"));
        UnknownLabelException e = assertThrows(UnknownLabelException.class, () -> index.id("horse"));
        assertTrue(e.getMessage().contains("\"horse\""), e.getMessage());
        assertTrue(e.getMessage().contains("[cat, dog]"), e.getMessage());
        assertFalse(index.contains("horse"));
        assertThrows(IllegalArgumentException.class, () -> index.label(2));
    }

    @Test
    void emptyIndexOrEmptyNameIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> LabelIndex.of(List.of()));
        assertThrows(IllegalArgumentException.class, () -> LabelIndex.of(List.of("a", " ")));
    }
}
