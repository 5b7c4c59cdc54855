package io.sparkcnn.spark.training;

import io.sparkcnn.model.Provenance;
import org.apache.spark.SparkEnv;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Where one worker ran and how fast it fitted, as its tasks report it: executor, host, ND4J backend, device
 * and threads, and its images and seconds spent fitting, summed over the rounds. Goes into the model's
 * provenance, so a slow or misplaced worker can be found after the fact.
 */
record WorkerStats(String executor, String host, String backend, String device, int threads, long images,
                   double fitSeconds) implements Serializable {

    /** What the task running now, on {@code device}, reports for a round in which it fitted {@code images} images. */
    static WorkerStats here(String device, int threads, long images, double fitSeconds) {
        SparkEnv env = SparkEnv.get();
        return new WorkerStats(env == null ? "none" : env.executorId(), hostName(),
                Nd4j.getBackend().getClass().getSimpleName(), device, threads, images, fitSeconds);
    }

    /** Totals of two reports of one worker; where it ran is the latest report's. */
    WorkerStats plus(WorkerStats later) {
        return new WorkerStats(later.executor, later.host, later.backend, later.device, later.threads,
                images + later.images, fitSeconds + later.fitSeconds);
    }

    Provenance.Worker toProvenance(int worker) {
        return new Provenance.Worker(worker, executor, host, backend, device, threads, images, fitSeconds,
                fitSeconds > 0 ? images / fitSeconds : 0);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }
}
