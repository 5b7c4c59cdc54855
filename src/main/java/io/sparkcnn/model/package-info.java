/** Network architectures built from config, and the model folder (network, label index, provenance). */
package io.sparkcnn.model;
