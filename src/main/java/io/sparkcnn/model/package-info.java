/**
 * What is trained: network architectures built from config ({@link io.sparkcnn.model.Architectures}), the
 * {@link io.sparkcnn.model.Network} wrapper that hides whether DL4J holds a layer stack or a graph (and installs
 * the CPU engine of {@code io.sparkcnn.kernels}), and the model folder (network, label index, normalisation,
 * provenance) that every job reads and writes.
 */
package io.sparkcnn.model;
