/**
 * The only layer that imports Spark, split by concern:
 * <ul>
 *   <li>{@code spark.job}: the jobs the CLI runs (train, evaluate, inspect, predict, retrain), each from a
 *   {@link io.sparkcnn.config.JobConfig}; {@link io.sparkcnn.spark.job.Jobs} is the CLI's one door in, so the
 *   CLI itself never touches a Spark type;</li>
 *   <li>{@code spark.lake}: lake data on Spark: listing, inspection, the train / held-out split, decoding into
 *   Spark's cache;</li>
 *   <li>{@code spark.training}: the training engine: the trainer strategies, round and evaluation tasks,
 *   replicas, checkpoints;</li>
 *   <li>{@code spark.gpu}: GPU task slots and the binding of a task to the GPU Spark gave it;</li>
 *   <li>{@code spark.ml}: the Spark ML Estimator / Model pair.</li>
 * </ul>
 * This package itself holds what all of them share: the session set-up, a serialisable Hadoop configuration
 * for tasks, and {@link io.sparkcnn.spark.PredictionColumns}, the one schema of a prediction that batch predict
 * and the Spark ML transform both write.
 */
package io.sparkcnn.spark;
