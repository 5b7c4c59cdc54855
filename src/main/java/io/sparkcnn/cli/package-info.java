/** The picocli command line: import, inspect, train, evaluate, config, env; exit codes in SparkCnn. */
package io.sparkcnn.cli;
