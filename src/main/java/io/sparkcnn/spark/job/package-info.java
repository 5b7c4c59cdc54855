/**
 * The jobs: train, evaluate, inspect, predict and retrain, each a plain function of a Spark session and a
 * {@link io.sparkcnn.config.JobConfig} that writes its results (model folder, report, registry entries,
 * predictions) and returns what it did. {@link io.sparkcnn.spark.job.Jobs} opens the session for the CLI.
 */
package io.sparkcnn.spark.job;
