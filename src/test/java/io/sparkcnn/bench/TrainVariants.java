package io.sparkcnn.bench;

import io.sparkcnn.config.JobConfig;
import io.sparkcnn.model.Network;
import io.sparkcnn.model.NetworkSpec;
import io.sparkcnn.spark.lake.DecodedPartition;
import io.sparkcnn.spark.lake.PreparedData;
import io.sparkcnn.spark.training.DistributedTrainer;
import io.sparkcnn.train.EpochPlan;
import io.sparkcnn.train.Minibatches;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Training variants the training benchmarks interleave epoch by epoch: plain single-JVM fits and spark-cnn runs. */
final class TrainVariants {
    private TrainVariants() {
    }

    interface Variant {
        String name();

        /** Seconds this variant spent preparing before its first epoch (beyond the shared decoding). */
        double setupSeconds();

        /** Trains one epoch; returns its wall seconds. */
        double epoch(int epoch);

        float[] params();

        /** Bytes of decoded data the variant keeps in memory. */
        long memoryBytes();

        /** Its own held-out accuracy after the last epoch, or NaN: evaluate {@link #params} on the split. */
        default double ownAccuracy() {
            return Double.NaN;
        }

        /** Whether it starts from the shared decoded data (its wall time then includes that setup). */
        default boolean sharesSetup() {
            return true;
        }

        /** Images in one of its epochs: the lake's training split unless it trains on other data. */
        default long imagesPerEpoch(long splitImages) {
            return splitImages;
        }
    }

    /** {@code fits} independent single-JVM fits of the whole training split, on as many threads at once. */
    static Variant singleJvm(JobConfig job, PreparedData data, NetworkSpec spec, int fits) {
        long start = System.nanoTime();
        List<DecodedPartition> parts = new ArrayList<>(data.train().collect());
        parts.sort(Comparator.comparingInt(DecodedPartition::index));
        List<float[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (DecodedPartition p : parts) {
            for (int i = 0; i < p.count(); i++) {
                images.add(p.image(i, data.normalisation()));
                labels.add(p.labels()[i]);
            }
        }
        Network[] nets = new Network[fits];
        for (int f = 0; f < fits; f++) {
            nets[f] = spec.build();
        }
        EpochPlan plan = new EpochPlan(job.seed(), job.train().batchSizePerWorker(), 1);
        ExecutorService pool = Executors.newFixedThreadPool(fits, r -> {
            Thread t = new Thread(r, "single-jvm-fit");
            t.setDaemon(true);
            return t;
        });
        double setup = (System.nanoTime() - start) / 1e9;
        return new Variant() {
            public String name() {
                return fits == 1 ? "(a) single JVM, 1 thread" : "(a') 2 single-JVM fits at once, 2 threads";
            }

            public double setupSeconds() {
                return setup;
            }

            public double epoch(int epoch) {
                // Each fit shuffles and makes its own minibatches, inside the time, as a training epoch must.
                long t = System.nanoTime();
                List<Future<?>> running = new ArrayList<>();
                for (Network net : nets) {
                    running.add(pool.submit(() -> {
                        int[] order = plan.order(0, epoch, images.size());
                        List<float[]> shuffled = new ArrayList<>(images.size());
                        int[] ids = new int[images.size()];
                        for (int k = 0; k < order.length; k++) {
                            shuffled.add(images.get(order[k]));
                            ids[k] = labels.get(order[k]);
                        }
                        List<DataSet> batches = Minibatches.of(shuffled, ids, data.shape(), data.labels().size(),
                                job.train().batchSizePerWorker());
                        net.setCounters(epoch, epoch * batches.size());
                        for (DataSet b : batches) {
                            net.fit(b);
                        }
                    }));
                }
                try {
                    for (Future<?> f : running) {
                        f.get();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                // Images/s counts every fit's images: two fits of the split are two epochs' work.
                return (System.nanoTime() - t) / 1e9 / fits;
            }

            public float[] params() {
                return nets[0].params().data().asFloat();
            }

            public long memoryBytes() {
                return 4L * images.size() * data.shape().size();
            }
        };
    }

    /** A run of spark-cnn's trainer, started by the caller (its setup, e.g. choosing K, is timed by the caller). */
    static Variant ours(SparkSession spark, DistributedTrainer.Run run, PreparedData data, String name) {
        return new Variant() {
            public String name() {
                return name;
            }

            public double setupSeconds() {
                return 0;
            }

            public double epoch(int epoch) {
                double before = run.trainingSeconds();
                run.epoch();
                return run.trainingSeconds() - before;
            }

            public float[] params() {
                return run.parameters();
            }

            public long memoryBytes() {
                return Footprint.cachedBytes(spark, data.train().id()) + Footprint.cachedBytes(spark, data.heldOut().id());
            }
        };
    }
}
