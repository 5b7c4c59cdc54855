/**
 * The only layer that imports Spark: sessions, lake listing and inspection, data preparation, the
 * distributed trainer and distributed evaluation.
 *
 * <h2>Why workers keep their state this way</h2>
 * A parameter-averaging round must not pay again for what the previous round already did: reading and
 * decoding the worker's images, and building its network. spark-cnn keeps the two apart:
 * <ul>
 *   <li><b>Decoded data lives in Spark's own cache.</b> {@link io.sparkcnn.spark.TrainingData} decodes each
 *   worker's share once into one {@link io.sparkcnn.spark.DecodedPartition} (consecutive float pixels and
 *   class ids) and persists it {@code MEMORY_AND_DISK}: Spark's storage memory is the budget, its local
 *   disk the spill. Because the block manager knows where each cached partition is, the scheduler sends
 *   later rounds of a worker to the executor that holds its data (locality), which is the stable placement
 *   an executor-side cache would otherwise have to invent. If an executor is lost, Spark recomputes the
 *   lost partitions from the lake through the lineage, like any cached RDD.</li>
 *   <li><b>Network replicas live in an executor-side map</b> ({@link io.sparkcnn.spark.Replicas}), keyed by
 *   job and worker, borrowed and returned by each task so two attempts never share one. A replica saves
 *   allocation only: every round loads the merged parameters and updater state from the broadcast, and the
 *   minibatches and iteration count come from the {@link io.sparkcnn.train.EpochPlan}, never from what a
 *   replica remembers. A retried task therefore recomputes exactly what the failed attempt was given; a
 *   test kills a task mid-round and gets the same parameters bit for bit.</li>
 * </ul>
 * A long-lived barrier stage would keep state in one task for the whole job, but it gives up Spark's
 * per-task retry (a barrier stage restarts every task together) and holds every core for the job's
 * lifetime; per-round stages over cached partitions keep both retry and sharing.
 *
 * <h2>Merging</h2>
 * Results are tree-aggregated as double-precision sums; adding floats into doubles is exact for the
 * magnitudes networks hold, so the mean does not depend on the order Spark combines workers in, and one
 * worker reproduces a plain single-JVM fit bit for bit.
 */
package io.sparkcnn.spark;
