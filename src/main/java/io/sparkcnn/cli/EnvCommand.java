package io.sparkcnn.cli;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import io.sparkcnn.config.BuildInfo;
import io.sparkcnn.config.ComputeBackend;
import io.sparkcnn.train.Backends;
import io.sparkcnn.train.OpenBlasCore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.List;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** Prints the runtime: versions, ND4J backend and a small computation proving the backend works. */
@Command(name = "env", mixinStandardHelpOptions = true,
        description = "Print versions (spark-cnn and its commit, Java, Spark, Scala, Hadoop, DL4J, ND4J), the CPU's "
                + "SIMD features, the ND4J backend in use and its environment (OpenBLAS's kernels among them), and "
                + "check it against the "
                + "job's compute.backend (exit 2 when compute.backend = gpu and no GPU can be used).")
final class EnvCommand implements Callable<Integer> {
    @Mixin
    JobOptions job;

    @Override
    public Integer call() {
        ComputeBackend wanted = job.load(List.of()).backend();
        BuildInfo.components().forEach((name, version) -> System.out.println(name + " " + version));
        BuildInfo.cpu().forEach((name, value) -> System.out.println(name + " " + value));
        System.out.println("nd4j.backend " + Nd4j.getBackend().getClass().getName());
        INDArray a = Nd4j.createFromArray(new float[][] {{1, 2}, {3, 4}});
        System.out.println("nd4j.check [[1,2],[3,4]] x itself = " + a.mmul(a).toString().replaceAll("\\s+", ""));
        // The process's environment as OpenBLAS read it (System.getenv keeps the JVM's start-up copy).
        System.out.println("openblas.coretype " + OpenBlasCore.prepare().orElse("(unset: OpenBLAS chooses by CPU model)")
                + "; kernels in use: " + OpenBlasCore.loaded().orElse("(unknown)"));
        Properties info = Nd4j.getExecutioner().getEnvironmentInformation();
        new TreeMap<>(info).forEach((k, v) -> System.out.println("nd4j." + k + " " + v));
        for (String name : List.of("OMP_NUM_THREADS", ComputeBackend.CPU_PRIORITY, ComputeBackend.GPU_PRIORITY)) {
            System.out.println("env." + name + " " + System.getenv().getOrDefault(name, "(unset)"));
        }
        System.out.println("compute.backend " + wanted.configName() + ": " + Backends.require(wanted));
        return 0;
    }
}
