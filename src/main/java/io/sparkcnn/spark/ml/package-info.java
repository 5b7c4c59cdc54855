/**
 * Spark ML API: {@link io.sparkcnn.spark.ml.CnnClassifier} (an Estimator) and
 * {@link io.sparkcnn.spark.ml.CnnClassifierModel} (its Model), for DataFrames from Spark's {@code image} or
 * {@code binaryFile} source; they train with the same trainer as the {@code train} job and persist in
 * Pipelines.
 */
package io.sparkcnn.spark.ml;
