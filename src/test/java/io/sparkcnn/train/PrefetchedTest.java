package io.sparkcnn.train;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrefetchedTest {
    @Test
    void itemsComeInOrderMadeOnAnotherThreadAtMostAheadBeforeTaken() throws Exception {
        AtomicInteger made = new AtomicInteger();
        String caller = Thread.currentThread().getName();
        List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        Prefetched<Integer> p = new Prefetched<>(10, 2, i -> {
            threads.add(Thread.currentThread().getName());
            made.incrementAndGet();
            return i * i;
        }, "test maker");
        Iterator<Integer> it = p.iterator();
        Thread.sleep(200);
        assertTrue(made.get() <= 3, "two waiting and one being put at most, got " + made.get());
        List<Integer> got = new ArrayList<>();
        it.forEachRemaining(got::add);
        assertEquals(List.of(0, 1, 4, 9, 16, 25, 36, 49, 64, 81), got);
        assertFalse(threads.contains(caller));
        assertEquals("test maker", threads.get(0));
    }

    @Test
    @org.junit.jupiter.api.Timeout(30) // a lost error leaves the taker waiting forever
    void anErrorOnTheMakingThreadIsThrownWhereTheItemIsTakenAndCloseStopsTheMaker() throws Exception {
        Prefetched<Integer> failing = new Prefetched<>(5, 2, i -> {
            if (i == 3) {
                throw new IllegalArgumentException("image 3 is broken");
            }
            return i;
        }, "failing maker");
        Iterator<Integer> it = failing.iterator();
        Thread.sleep(200); // the maker fills the queue and fails while two items wait: the error must still come
        assertEquals(0, it.next());
        assertEquals(1, it.next());
        assertEquals(2, it.next());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, it::next);
        assertEquals("image 3 is broken", e.getMessage());

        Prefetched<Integer> abandoned = new Prefetched<>(1000, 2, i -> i, "abandoned maker");
        abandoned.iterator().next();
        abandoned.close();
        Thread.sleep(200);
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("abandoned maker") && t.isAlive()), "the maker stopped");
    }
}
