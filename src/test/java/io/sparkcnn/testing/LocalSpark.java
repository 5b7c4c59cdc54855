package io.sparkcnn.testing;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One local[2] SparkSession (tasks retried once, as on a cluster) for the whole test run, stopped when the run
 * ends. Test classes declare {@code @ExtendWith(LocalSpark.class)} and take a SparkSession parameter.
 */
public final class LocalSpark implements BeforeAllCallback, ParameterResolver {
    private static final String KEY = "spark-session";

    private static final class Holder implements ExtensionContext.Store.CloseableResource {
        final SparkSession spark = SparkSession.builder()
                .master("local[2,2]")
                .appName("spark-cnn-tests")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();

        @Override
        public void close() {
            spark.stop();
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        session(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == SparkSession.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        return session(e);
    }

    private static SparkSession session(ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(KEY, k -> new Holder(), Holder.class).spark;
    }
}
