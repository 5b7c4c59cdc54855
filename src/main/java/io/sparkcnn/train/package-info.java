/**
 * The training step as plain functions, testable without Spark: a worker's round
 * ({@link io.sparkcnn.train.WorkerStep}), which images it fits when ({@link io.sparkcnn.train.EpochPlan}),
 * minibatch packing ({@link io.sparkcnn.train.Minibatches}) and the merge
 * ({@link io.sparkcnn.train.ParameterAveraging}). Spark only moves these around.
 */
package io.sparkcnn.train;
