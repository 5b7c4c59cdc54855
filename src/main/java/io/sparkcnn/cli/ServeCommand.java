package io.sparkcnn.cli;

import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.serve.InferenceServer;
import io.sparkcnn.serve.ModelSource;
import io.sparkcnn.serve.ServedModel;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** Serves a model folder, or a registry model's champion (hot-reloaded on promotion), over HTTP. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Answer HTTP requests with a model (Open Inference Protocol v2 and image uploads): --model DIR, "
                + "or --registry URI --model NAME for the champion, swapped in when another version is promoted. "
                + "Runs until SIGTERM or SIGINT; no Spark.")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    JobOptions job;

    @Option(names = "--model", required = true, paramLabel = "DIR|NAME",
            description = "A model folder; with --registry, the registry model's name (registry.model).")
    String model;

    @Option(names = "--registry", paramLabel = "URI", description = "The registry folder (registry.dir).")
    String registry;

    @Option(names = "--name", paramLabel = "NAME",
            description = "The name a model folder is served under (default: the folder's name).")
    String name;

    @Option(names = "--port", paramLabel = "PORT", description = "The port (serve.port; 0: any free port).")
    Integer port;

    @Override
    public Integer call() throws Exception {
        List<String> shortcuts = new ArrayList<>();
        if (registry != null) {
            shortcuts.add("registry.dir=" + registry);
            shortcuts.add("registry.model=" + model);
        }
        if (port != null) {
            shortcuts.add("serve.port=" + port);
        }
        JobConfig config = job.load(shortcuts);
        if (registry != null && name != null) {
            throw new ConfigException("--name", "a registry model is served under its own name, " + model);
        }
        Configuration hadoop = JobOptions.hadoop(config);
        ModelSource source = registry != null
                ? ModelSource.champion(config.registry().requireDir(), config.registry().model(),
                config.data().image().resize(), config.data().image().maxPixels(), hadoop)
                : ModelSource.folder(model, name != null ? name : ModelSource.nameOf(model),
                config.data().image().resize(), config.data().image().maxPixels(), hadoop);
        InferenceServer server = InferenceServer.start(config.serve(), source, System.getenv());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stopped.countDown();
            }
        }, "serve-shutdown"));
        ServedModel served = server.models().current();
        System.out.printf("Serving %s version %s on http://%s:%d/v2/models/%s%n", served.name(), served.version(),
                config.serve().host(), server.port(), served.name());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
