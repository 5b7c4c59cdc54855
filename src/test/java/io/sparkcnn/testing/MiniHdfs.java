package io.sparkcnn.testing;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/**
 * One real HDFS (MiniDFSCluster, one datanode) for the whole test run, started by the first test class that
 * declares {@code @ExtendWith(MiniHdfs.class)} and shut down when the run ends: starting one takes 5-15 s.
 * Test classes keep to their own folders (a random name each), since they share it.
 */
public final class MiniHdfs implements BeforeAllCallback {
    private static volatile MiniDFSCluster cluster;

    private static final class Holder implements ExtensionContext.Store.CloseableResource {
        Holder() {
            try {
                Configuration conf = new Configuration();
                conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, Files.createTempDirectory("minidfs").toString());
                MiniDFSCluster started = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
                started.waitActive();
                cluster = started;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start a MiniDFSCluster", e);
            }
        }

        @Override
        public void close() {
            cluster.shutdown(true);
            cluster = null;
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent("mini-hdfs", k -> new Holder(), Holder.class);
    }

    public static MiniDFSCluster cluster() {
        if (cluster == null) {
            throw new IllegalStateException("declare @ExtendWith(MiniHdfs.class) on the test class");
        }
        return cluster;
    }

    public static FileSystem fileSystem() {
        try {
            return cluster().getFileSystem();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** hdfs://host:port of the shared cluster. */
    public static String uri() {
        return fileSystem().getUri().toString();
    }
}
