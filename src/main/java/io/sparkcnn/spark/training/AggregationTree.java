package io.sparkcnn.spark.training;

/**
 * The tree in which a round's results are merged ({@code treeAggregate}): its depth for a number of workers, and
 * the shape Spark gives it (its own loop): how many results the driver receives, the fan-in of each level merged
 * on executors, and how many such levels there are.
 */
record AggregationTree(int depth, int driverFanIn, int scale, int executorLevels) {
    /**
     * Two levels (the workers' results merged on executors in groups, then the groups on the driver) up to 64
     * workers, one more for every eightfold more, so that neither the driver nor an executor receives more than
     * about ten results of a round.
     */
    static AggregationTree forWorkers(int workers) {
        int depth = 2;
        for (long reach = 64; reach < workers; reach *= 8) {
            depth++;
        }
        int n = workers;
        int scale = Math.max((int) Math.ceil(Math.pow(n, 1.0 / depth)), 2);
        int levels = 0;
        while (n > scale + Math.ceil((double) n / scale)) {
            n /= scale;
            levels++;
        }
        return new AggregationTree(depth, n, scale, levels);
    }

    /**
     * The most bytes of serialised results the driver takes in one round: its fan-in of results, each one worker's
     * floats or, merged on executors, their sums in doubles (twice that).
     */
    long driverBytes(long bytesPerWorker) {
        return driverFanIn * bytesPerWorker * (executorLevels > 0 ? 2 : 1);
    }
}
