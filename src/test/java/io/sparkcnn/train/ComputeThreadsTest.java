package io.sparkcnn.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ComputeThreadsTest {
    @Test
    void setsBlasThreadsAndTellsWhetherNd4jsLoopsMatch() {
        // The tests run with OMP_NUM_THREADS=1 (surefire), so ND4J's own loops have 1 thread.
        assertEquals(1, Nd4j.getEnvironment().maxThreads());
        try {
            assertFalse(ComputeThreads.use(2), "ND4J's loops cannot change after start");
            assertEquals(2, Nd4j.factory().blas().getMaxThreads());
        } finally {
            assertTrue(ComputeThreads.use(1));
        }
        assertEquals(1, Nd4j.factory().blas().getMaxThreads());
    }
}
