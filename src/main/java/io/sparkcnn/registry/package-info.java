/**
 * Versioned models on any Hadoop FileSystem, for scheduled retraining: {@code <registry.dir>/<model>/v<N>/}
 * (a model folder as {@link io.sparkcnn.model.ModelStore} writes it, plus the version's {@code version.json}),
 * a champion pointer kept as an append-only series of promotion records, and a lock so that two jobs never
 * change one model at once. Every write is a complete file or folder under a hidden name, then a rename:
 * a job killed at any moment leaves the previous state readable and nothing that looks complete but is not.
 * No Spark here: the registry commands run without a Spark session.
 */
package io.sparkcnn.registry;
