/**
 * The training step as plain functions, testable without Spark: a worker's round
 * ({@link io.sparkcnn.train.WorkerStep}), which images it fits when ({@link io.sparkcnn.train.EpochPlan}),
 * minibatch packing ({@link io.sparkcnn.train.Minibatches}) and the merge
 * ({@link io.sparkcnn.train.ParameterAveraging}). Spark only moves these around. Also the native compute each
 * JVM sets up: ND4J's backend ({@link io.sparkcnn.train.Backends}), its threads
 * ({@link io.sparkcnn.train.ComputeThreads}) and OpenBLAS's kernels ({@link io.sparkcnn.train.OpenBlasCore}).
 */
package io.sparkcnn.train;
