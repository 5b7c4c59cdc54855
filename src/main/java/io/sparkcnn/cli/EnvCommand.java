package io.sparkcnn.cli;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;

import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** Prints the runtime: versions, ND4J backend and a small computation proving the backend works. */
@Command(name = "env", mixinStandardHelpOptions = true,
        description = "Print versions, the ND4J backend in use and its environment.")
final class EnvCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.println("spark-cnn " + io.sparkcnn.config.BuildInfo.version());
        System.out.println("java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        System.out.println("nd4j.backend " + Nd4j.getBackend().getClass().getName());
        INDArray a = Nd4j.createFromArray(new float[][] {{1, 2}, {3, 4}});
        System.out.println("nd4j.check [[1,2],[3,4]] x itself = " + a.mmul(a).toString().replaceAll("\\s+", ""));
        Properties info = Nd4j.getExecutioner().getEnvironmentInformation();
        new TreeMap<>(info).forEach((k, v) -> System.out.println("nd4j." + k + " " + v));
        System.out.println("env.OMP_NUM_THREADS " + System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"));
        return 0;
    }
}
