/**
 * GPU scheduling: how many training workers the cluster's GPU task slots allow
 * ({@link io.sparkcnn.spark.gpu.GpuSlots}), and which GPU Spark gave the running task
 * ({@link io.sparkcnn.spark.gpu.TaskGpus}), mapped to a device index where the cluster manager isolates devices.
 */
package io.sparkcnn.spark.gpu;
