/**
 * {@code spark-cnn serve}: the champion (or a model folder) answering HTTP, without Spark.
 *
 * <p>{@link io.sparkcnn.serve.InferenceServer} speaks the Open Inference Protocol (KServe v2, as Triton and
 * OpenVINO Model Server do) plus a plain image upload, on the JDK's own HTTP server: it ships with every JDK
 * and is maintained with it, and it adds no HTTP stack beside the Jetty and Netty versions that Spark and Hadoop
 * already put on the classpath (a second Jetty would clash with Hadoop's). Handler threads decode; a
 * {@link io.sparkcnn.serve.Batcher} groups concurrent requests into minibatches for a few inference threads,
 * each with its own network replica, through the same {@link io.sparkcnn.model.Classifier} that batch predict
 * and the Spark ML transform use. A {@link io.sparkcnn.serve.ModelHolder} polls the registry and swaps a new
 * champion in between batches; a version that fails to load is logged and the old one kept.
 */
package io.sparkcnn.serve;
