package io.sparkcnn.config;

/**
 * A Java system property that switches how spark-cnn computes, never what: a way back and a point of comparison
 * for the CPU engine. Declared in {@link Settings#SYSTEM_PROPERTIES} with its meaning and default, and
 * documented from there in {@code conf/reference.conf}. Set them with {@code -D} on the driver
 * ({@code SPARK_CNN_JAVA_OPTS}, {@code spark.driver.extraJavaOptions}) and on executors
 * ({@code spark.executor.extraJavaOptions}).
 */
public record SystemProperty(String name, boolean defaultValue, String doc) {
    /** The value in this JVM: only the opposite of the default, spelled out, changes it. */
    public boolean value() {
        String v = System.getProperty(name);
        if (v == null) {
            return defaultValue;
        }
        return defaultValue ? !"false".equalsIgnoreCase(v.trim()) : "true".equalsIgnoreCase(v.trim());
    }
}
