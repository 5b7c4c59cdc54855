package io.sparkcnn.spark.training;

import io.sparkcnn.config.ConfigException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AggregationTreeTest {
    @Test
    void theTreeDeepensWithTheWorkersSoNoJvmTakesMoreThanAboutTenResults() {
        // Spark's treeAggregate: 2 and 4 results go straight to the driver; 8 are merged in 2 groups of 3 first.
        assertEquals(new AggregationTree(2, 2, 2, 0), AggregationTree.forWorkers(2));
        assertEquals(new AggregationTree(2, 4, 2, 0), AggregationTree.forWorkers(4));
        assertEquals(new AggregationTree(2, 2, 3, 1), AggregationTree.forWorkers(8));
        assertEquals(new AggregationTree(2, 4, 4, 1), AggregationTree.forWorkers(16));
        assertEquals(2, AggregationTree.forWorkers(64).depth());
        assertEquals(new AggregationTree(3, 3, 6, 2), AggregationTree.forWorkers(128));
        for (int workers = 2; workers <= 4096; workers *= 2) {
            AggregationTree tree = AggregationTree.forWorkers(workers);
            assertTrue(tree.driverFanIn() <= 10 && tree.scale() <= 10, workers + " workers: " + tree);
        }
    }

    @Test
    void aRoundTheDriverCannotTakeIsRefusedBeforeItRunsNamingTheSparkSetting() {
        // 2 workers of 1 MB each: 2 MB of floats reach the driver.
        ConfigException e = assertThrows(ConfigException.class,
                () -> DistributedTrainer.requireResultsFit(1 << 20, 2, 1 << 20));
        assertEquals("spark.driver.maxResultSize", e.key());
        assertTrue(e.getMessage().contains("up to 2 MB"), e.getMessage());
        DistributedTrainer.requireResultsFit(3 << 20, 2, 1 << 20);
        DistributedTrainer.requireResultsFit(0, 1000, 1L << 30); // 0: no limit
        // 16 workers: 4 merged results of 1 MB each in doubles reach the driver.
        assertEquals(8L << 20, AggregationTree.forWorkers(16).driverBytes(1 << 20));
    }
}
