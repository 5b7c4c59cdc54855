package io.sparkcnn.cli;

import io.sparkcnn.config.ComputeBackend;
import io.sparkcnn.config.JobConfigLoader;
import io.sparkcnn.train.Backends;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Prints, as shell assignments, the ND4J environment that the {@code compute.backend} of a command line's
 * job config asks for; the launcher and submit scripts evaluate it before they start the driver JVM, since
 * ND4J reads it only when the JVM starts. Reads the same {@code --conf} and {@code --set} options the job
 * commands take and never loads ND4J. A command line whose config does not load prints nothing: the command
 * itself reports the error.
 */
public final class BackendEnvironment {
    private BackendEnvironment() {
    }

    public static void main(String[] args) {
        environment(List.of(args), Backends.gpuDevicePresent())
                .forEach((name, value) -> System.out.println(name + "=" + value));
    }

    static Map<String, String> environment(List<String> args, boolean gpuDevicePresent) {
        Path conf = null;
        List<String> sets = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--conf") && i + 1 < args.size()) {
                conf = Path.of(args.get(++i));
            } else if (a.startsWith("--conf=")) {
                conf = Path.of(a.substring("--conf=".length()));
            } else if (a.equals("--set") && i + 1 < args.size()) {
                sets.add(args.get(++i));
            } else if (a.startsWith("--set=")) {
                sets.add(a.substring("--set=".length()));
            }
        }
        ComputeBackend backend;
        try {
            backend = JobConfigLoader.load(Optional.ofNullable(conf), sets).backend();
        } catch (RuntimeException e) {
            return Map.of();
        }
        return new TreeMap<>(backend.nd4jEnvironment(gpuDevicePresent));
    }
}
