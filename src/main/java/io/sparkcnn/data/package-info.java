/**
 * Lakes without Spark: paths, labels, the held-out split, listing a folder, reading and decoding images,
 * IDX files and the Fashion-MNIST import, bad-file accounting and reports. Everything here works on any
 * Hadoop FileSystem and is called from Spark tasks by the {@code spark} package.
 */
package io.sparkcnn.data;
