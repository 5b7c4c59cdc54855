package io.sparkcnn.bench;

import io.sparkcnn.config.Architecture;
import io.sparkcnn.config.TrainConfig;
import io.sparkcnn.config.UpdaterKind;
import io.sparkcnn.model.Architectures;
import io.sparkcnn.model.InputShape;
import io.sparkcnn.model.Network;
import io.sparkcnn.train.Minibatches;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Images/s of a plain fit of the seed CNN on Fashion-MNIST (minibatch 32, Adam 1e-3) in one JVM without
 * Spark: one network on one thread, and two networks fitting at once on two threads. The ratio is the most
 * any trainer can get from two workers in one JVM (local mode). Usage: SingleJvmFitBench [IMAGES] [REPS]
 */
public final class SingleJvmFitBench {
    public static void main(String[] args) throws Exception {
        io.sparkcnn.train.OpenBlasCore.prepare(); // as the command line does, before ND4J loads
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        FashionMnistSample sample = FashionMnistSample.load(images);
        List<float[]> pixels = sample.pixels();
        int[] ids = sample.labels();
        InputShape shape = new InputShape(1, 28, 28);
        List<DataSet> batches = Minibatches.of(pixels, ids, shape, 10, 32);
        TrainConfig train = TrainConfig.of(Architecture.SEED_CNN, UpdaterKind.ADAM, 1e-3, 32);
        Network[] nets = {Architectures.build(train, shape, 10, 42).build(), Architectures.build(train, shape, 10, 43).build()};
        // Interleaved: one network alone, then two fitting at once on two threads (each its own replica).
        List<Double> alone = new ArrayList<>();
        List<Double> together = new ArrayList<>();
        List<Double> hopping = new ArrayList<>();
        List<Double> pinned = new ArrayList<>();
        ExecutorService[] own = {Executors.newSingleThreadExecutor(), Executors.newSingleThreadExecutor()};
        ExecutorService pool = Executors.newFixedThreadPool(2);
        // As Spark runs rounds: each round of 20 minibatches is a task on whichever pool thread is free,
        // from a cached pool whose threads come and go.
        ExecutorService tasks = Executors.newCachedThreadPool();
        for (int rep = 0; rep < reps; rep++) {
            long t = System.nanoTime();
            fitAll(nets[0], batches);
            alone.add(images / ((System.nanoTime() - t) / 1e9));
            together.add(2 * images / fitInRounds(nets, batches, batches.size(), pool, pool));
            hopping.add(2 * images / fitInRounds(nets, batches, 20, tasks, tasks));
            pinned.add(2 * images / fitInRounds(nets, batches, 20, own[0], own[1]));
            System.out.printf("rep %d: 1 thread %.0f images/s, 2 threads %.0f images/s, 2 threads in rounds of "
                    + "20 on pool threads %.0f images/s%n", rep + 1, alone.get(rep), together.get(rep), hopping.get(rep));
        }
        pool.shutdown();
        tasks.shutdown();
        own[0].shutdown();
        own[1].shutdown();
        double a = median(alone);
        double b = median(together);
        System.out.printf("%nseed CNN fit, %d images per run, OMP_NUM_THREADS=%s, medians of %d%n", images,
                System.getenv("OMP_NUM_THREADS"), reps);
        double c = median(hopping);
        System.out.printf("%-48s %10.0f images/s%n%-48s %10.0f images/s (%.2fx)%n%-48s %10.0f images/s (%.2fx)%n",
                "one network, one thread", a, "two networks on two threads, one JVM", b, b / a,
                "two networks, rounds of 20 on pool threads", c, c / a);
        double d = median(pinned);
        System.out.printf("%-48s %10.0f images/s (%.2fx)%n", "two networks, rounds of 20, each its own thread", d,
                d / a);
    }

    /**
     * Fits both networks on all batches, {@code roundSize} at a time, each round waiting for both (as an
     * averaging round does), network 0 on {@code first}, network 1 on {@code second}; returns the seconds.
     */
    private static double fitInRounds(Network[] nets, List<DataSet> batches, int roundSize, ExecutorService first,
                                      ExecutorService second) throws Exception {
        long t = System.nanoTime();
        for (int from = 0; from < batches.size(); from += roundSize) {
            List<DataSet> round = batches.subList(from, Math.min(batches.size(), from + roundSize));
            List<Future<?>> running = List.of(first.submit(() -> fitAll(nets[0], round)),
                    second.submit(() -> fitAll(nets[1], round)));
            for (Future<?> f : running) {
                f.get();
            }
        }
        return (System.nanoTime() - t) / 1e9;
    }

    private static void fitAll(Network net, List<DataSet> batches) {
        for (DataSet b : batches) {
            net.fit(b);
        }
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(null);
        return s.get(s.size() / 2);
    }
}
