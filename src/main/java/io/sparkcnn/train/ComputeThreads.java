package io.sparkcnn.train;

import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How many threads one task's ND4J work uses. BLAS takes its thread count at any time, so each task sets
 * it where it runs. ND4J's own loops size their thread pool once, from {@code OMP_NUM_THREADS} when the JVM
 * starts: executors get it through {@code spark.executorEnv.OMP_NUM_THREADS}; a local-mode job runs its
 * tasks in the driver JVM, whose environment the launcher sets. Where the two disagree this says so, once.
 */
public final class ComputeThreads {
    private static final Logger LOG = LoggerFactory.getLogger(ComputeThreads.class);
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private ComputeThreads() {
    }

    /** Sets BLAS to {@code threads}; returns false (and logs once) when ND4J's loops run with another count. */
    public static boolean use(int threads) {
        if (Nd4j.factory().blas().getMaxThreads() != threads) {
            Nd4j.factory().blas().setMaxThreads(threads);
        }
        int loops = Nd4j.getEnvironment().maxThreads();
        if (loops != threads && WARNED.compareAndSet(false, true)) {
            LOG.warn("train.threadsPerWorker is {} but ND4J in this JVM runs {} threads per operation (it reads "
                    + "OMP_NUM_THREADS once, at start); start the JVM with OMP_NUM_THREADS={} (the launcher takes "
                    + "it from the environment, executors from spark.executorEnv.OMP_NUM_THREADS)", threads, loops,
                    threads);
        }
        return loops == threads;
    }
}
