/**
 * The training engine on Spark: the {@link io.sparkcnn.spark.training.Trainer} strategies (spark-cnn's
 * parameter averaging, {@link io.sparkcnn.spark.training.DistributedTrainer}, and dl4j-spark's stock master,
 * {@link io.sparkcnn.spark.training.StockTrainer}, the reference), the per-round and evaluation tasks,
 * executor-side replicas, checkpoints and the round watchdog.
 *
 * <h2>Why workers keep their state this way</h2>
 * A parameter-averaging round must not pay again for what the previous round already did: reading and
 * decoding the worker's images, and building its network. spark-cnn keeps the two apart:
 * <ul>
 *   <li><b>Decoded data lives in Spark's own cache.</b> {@link io.sparkcnn.spark.lake.TrainingData} decodes each
 *   worker's share once into one {@link io.sparkcnn.spark.lake.DecodedPartition} (8-bit levels where that is
 *   exact, else floats, and class ids) and persists it at {@code data.cache.storage}: in memory as arrays,
 *   serialised, or on local disk only; the memory levels spill to local disk beyond Spark's storage memory.
 *   {@code data.cache.maxBytes} bounds the whole decoded copy (checked from the listing before decoding and
 *   from the real sizes after), so no job writes a decoded lake larger than its budget anywhere. Because the
 *   block manager knows where each cached partition is, the scheduler sends later rounds of a worker to the
 *   executor that holds its data (locality), which is the stable placement an executor-side cache would
 *   otherwise have to invent. If an executor is lost, Spark recomputes the lost partitions from the lake
 *   through the lineage, like any cached RDD.</li>
 *   <li><b>Network replicas live in an executor-side map</b> ({@link io.sparkcnn.spark.training.Replicas}), keyed by
 *   job and worker, borrowed and returned by each task so two attempts never share one. A replica saves
 *   allocation only: every round loads the parameters and updater state from the broadcast, and the
 *   minibatches and counters come from the {@link io.sparkcnn.train.EpochPlan}, never from what a replica
 *   remembers. Without updater averaging ({@code train.averageUpdaterState = false}) each worker's own
 *   updater state still travels through the driver ({@link io.sparkcnn.spark.training.UpdaterStates}) rather than
 *   staying in the replica, for the same reason. A retried task therefore recomputes exactly what the
 *   failed attempt was given; a test kills a task mid-round and gets the same parameters bit for bit.</li>
 * </ul>
 * A long-lived barrier stage would keep state in one task for the whole job, but it gives up Spark's
 * per-task retry (a barrier stage restarts every task together) and holds every core for the job's
 * lifetime; per-round stages over cached partitions keep both retry and sharing. The price is a fixed
 * cost per round (scheduling, broadcast, merge): the driver log reports the share of each epoch the
 * workers spent fitting, and {@code train.averagingFrequency} trades it against merge frequency.
 *
 * <h2>Why not dl4j-spark's TrainingMaster interface</h2>
 * {@code TrainingMaster.executeTraining(SparkDl4jMultiLayer, JavaRDD<DataSet>)} hands a master an RDD of
 * ready-made minibatches: decoded float tensors (4 bytes a value, 4 times our 8-bit cache) whose
 * composition is fixed before training, while this trainer's point is to cache compact decoded images and
 * build each round's minibatches from the seeded per-epoch shuffle. The interface also carries about twenty
 * methods for dl4j-spark's own stats, listeners, export paths and MultiDataSet variants, and its worker side
 * ({@code TrainingWorker}) assumes a fresh replica per partition per call. An adapter would either give up
 * the cache and the plan or pretend to implement the rest, so it does not fit cleanly: spark-cnn keeps its
 * own entry point, and dl4j-spark's stock {@code ParameterAveragingTrainingMaster} stays selectable
 * ({@code train.strategy = dl4j-stock}) as the reference, on the same decoded data.
 *
 * <h2>Merging</h2>
 * Results are tree-aggregated as double-precision sums; adding floats into doubles is exact for the
 * magnitudes networks hold, so the mean does not depend on the order Spark combines workers in, and one
 * worker reproduces a plain single-JVM fit bit for bit.
 *
 * <h2>Threads</h2>
 * {@code train.threadsPerWorker} becomes {@code spark.task.cpus} and the executors' {@code OMP_NUM_THREADS},
 * so Spark never runs more training threads on an executor than it has cores.
 */
package io.sparkcnn.spark.training;
