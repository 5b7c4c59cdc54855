/**
 * Immutable job configuration: every key declared once in {@link io.sparkcnn.config.Settings} (name,
 * meaning, default, what it allows), loaded from HOCON plus command-line overrides by
 * {@link io.sparkcnn.config.JobConfigLoader}, validated before any Spark work with messages that name the key.
 */
package io.sparkcnn.config;
