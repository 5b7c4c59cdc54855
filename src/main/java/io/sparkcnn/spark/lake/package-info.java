/**
 * Lake data on Spark: listing a lake (folders or manifests) into {@link io.sparkcnn.spark.lake.LakeListing},
 * inspection, and {@link io.sparkcnn.spark.lake.DataPreparation}, which splits the listing, fixes the label
 * index and normalisation, and decodes each worker's share once into Spark's cache
 * ({@link io.sparkcnn.spark.lake.DecodedPartition}, 8-bit levels where that is exact). Decoding itself is the
 * Spark-free {@code io.sparkcnn.data} package; this one only moves it onto executors.
 */
package io.sparkcnn.spark.lake;
