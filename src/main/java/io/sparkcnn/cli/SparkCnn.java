package io.sparkcnn.cli;

import io.sparkcnn.config.BuildInfo;
import io.sparkcnn.config.ConfigException;
import io.sparkcnn.data.DataException;
import io.sparkcnn.train.OpenBlasCore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The spark-cnn command line. Run through {@code scripts/spark-cnn} (local mode) or spark-submit with the
 * shaded jar. Exit codes: 0 success, 1 unexpected failure, 2 bad command line or configuration,
 * 3 the data stops the job (bad files beyond the policy, unknown labels, missing lake); and for retrain,
 * which schedulers run: 4 the champion was kept (challenger rejected), 5 nothing to do (no new data),
 * 6 the model's registry lock is held by another job.
 */
@Command(name = "spark-cnn", mixinStandardHelpOptions = true, versionProvider = SparkCnn.Version.class,
        description = "Train image classifiers on Spark where the images already live.",
        subcommands = {ImportCommand.class, InspectCommand.class, TrainCommand.class, EvaluateCommand.class,
                PredictCommand.class, ServeCommand.class, RetrainCommand.class, RegistryCommand.class, ConfigCommand.class, EnvCommand.class})
public final class SparkCnn implements Runnable {
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_CONFIG = 2;
    public static final int EXIT_DATA = 3;
    public static final int EXIT_KEPT_CHAMPION = 4;
    public static final int EXIT_NOTHING_TO_DO = 5;
    public static final int EXIT_LOCKED = 6;

    private static final Logger LOG = LoggerFactory.getLogger(SparkCnn.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand");
    }

    public static void main(String[] args) {
        int code = execute(args);
        // In YARN cluster mode the application master runs this method in a thread of its own and reports the
        // application's final status when it returns (it sets spark.yarn.app.id first): System.exit would
        // pre-empt that report, and YARN would record even a successful job as failed.
        if (System.getProperty("spark.yarn.app.id") != null) {
            if (code != 0) {
                throw new IllegalStateException("spark-cnn ended with exit code " + code + " (see the log above)");
            }
            return;
        }
        System.exit(code);
    }

    /** Runs the CLI and returns its exit code (tests call this instead of main). */
    public static int execute(String... args) {
        OpenBlasCore.prepare(); // before anything loads ND4J, and with it OpenBLAS
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new SparkCnn());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (e instanceof ConfigException) {
                err.println("spark-cnn: configuration error: " + e.getMessage());
                return EXIT_CONFIG;
            }
            if (e instanceof io.sparkcnn.train.Backends.BackendUnavailableException) {
                err.println("spark-cnn: " + e.getMessage());
                return EXIT_CONFIG;
            }
            if (e instanceof io.sparkcnn.model.ModelStore.ModelExistsException) {
                err.println("spark-cnn: " + e.getMessage());
                return EXIT_CONFIG;
            }
            if (e instanceof io.sparkcnn.registry.RegistryLock.LockedException) {
                err.println("spark-cnn: locked: " + e.getMessage());
                return EXIT_LOCKED;
            }
            if (e instanceof DataException) {
                err.println("spark-cnn: data error: " + e.getMessage());
                return EXIT_DATA;
            }
            LOG.error("{} failed", commandLine.getCommandName(), e);
            err.println("spark-cnn: " + commandLine.getCommandName() + " failed: " + e);
            return EXIT_FAILURE;
        });
        return cli;
    }

    /** The version from the jar manifest (or "dev" when run from classes). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"spark-cnn " + BuildInfo.version()};
        }
    }
}
