package io.sparkcnn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.registry.ModelRegistry;
import io.sparkcnn.registry.Promotion;
import io.sparkcnn.registry.RegistryLock;
import io.sparkcnn.registry.RegistryVersion;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** Looks at and changes a model's versions in the registry; no Spark session is started. */
@Command(name = "registry", mixinStandardHelpOptions = true,
        description = "List, show, promote and roll back versions of a model in the registry (registry.dir, "
                + "registry.model; --registry and --model are short for them).",
        subcommands = {RegistryCommand.ListVersions.class, RegistryCommand.Show.class, RegistryCommand.Promote.class,
                RegistryCommand.Rollback.class})
final class RegistryCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a registry subcommand: list, show, "
                + "promote, rollback");
    }

    /** The options every registry subcommand shares. */
    static final class Target {
        @Mixin
        JobOptions job;

        @Option(names = "--registry", paramLabel = "DIR", description = "The registry folder (registry.dir).")
        String registry;

        @Option(names = "--model", paramLabel = "NAME", description = "The model's name (registry.model).")
        String model;

        JobConfig config() {
            List<String> overrides = new ArrayList<>();
            if (registry != null) {
                overrides.add("registry.dir=" + registry);
            }
            if (model != null) {
                overrides.add("registry.model=" + model);
            }
            return job.load(overrides);
        }

        ModelRegistry open() throws IOException {
            JobConfig c = config();
            return ModelRegistry.open(c.registry().requireDir(), c.registry().model(), JobOptions.hadoop(c));
        }

        RegistryLock lock(ModelRegistry registry, String purpose) throws IOException {
            return registry.lock(purpose, Duration.ofSeconds(config().retrain().lockStaleAfterSeconds()));
        }
    }

    static int parseVersion(String v) {
        String digits = v.startsWith("v") ? v.substring(1) : v;
        try {
            int n = Integer.parseInt(digits);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw new ConfigException("version", "expected a version such as v3 or 3, got \"" + v + "\"");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "One line per version: status, kind, "
            + "when, scores.")
    static final class ListVersions implements Callable<Integer> {
        @Mixin
        Target target;

        @Override
        public Integer call() throws IOException {
            ModelRegistry registry = target.open();
            List<RegistryVersion> versions = registry.versions();
            System.out.println("model " + registry.name() + " at " + registry.location() + ": " + versions.size()
                    + " versions");
            System.out.printf(Locale.ROOT, "%-8s %-16s %-8s %-25s %s%n", "version", "status", "kind", "created",
                    "held-out");
            for (RegistryVersion v : versions) {
                List<String> damage = registry.damage(v, false);
                System.out.printf(Locale.ROOT, "%-8s %-16s %-8s %-25s %s%n", v.name(), v.status().label(),
                        v.entry().getOrDefault("kind", "?"), v.entry().getOrDefault("createdAt", "?"),
                        damage.isEmpty() ? scores(v) : "DAMAGED: " + String.join("; ", damage));
            }
            return 0;
        }

        @SuppressWarnings("unchecked")
        private static String scores(RegistryVersion v) {
            Object d = v.entry().get("decision");
            if (d instanceof Map<?, ?> m) {
                return String.format(Locale.ROOT, "%s %.4f vs champion v%s %.4f (tolerance %s)", m.get("metric"),
                        ((Number) m.get("challenger")).doubleValue(), m.get("championVersion"),
                        ((Number) m.get("champion")).doubleValue(), m.get("tolerance"));
            }
            Object metrics = v.entry().get("metrics");
            if (metrics instanceof Map<?, ?> m && m.get("accuracy") instanceof Number a) {
                return String.format(Locale.ROOT, "accuracy %.4f", a.doubleValue());
            }
            return "";
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "A version's registry record and "
            + "location (default: the champion), and the promotion history.")
    static final class Show implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(arity = "0..1", paramLabel = "VERSION", description = "e.g. v3; default: the champion.")
        String version;

        @Override
        public Integer call() throws IOException {
            ModelRegistry registry = target.open();
            RegistryVersion v = version != null ? registry.version(parseVersion(version))
                    : registry.champion().orElseThrow(() -> new ConfigException("registry.model", "model "
                    + registry.name() + " at " + registry.location() + " has no champion; name a version"));
            System.out.println(v.name() + " (" + v.status().label() + ") at " + v.location());
            List<String> damage = registry.damage(v, true);
            System.out.println(!v.entry().containsKey(ModelRegistry.FILES) ? "files: not checked (registered "
                    + "before checksums were recorded)" : damage.isEmpty() ? "files: intact (length and SHA-256 as "
                    + "registered)" : "files: DAMAGED: " + String.join("; ", damage));
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(v.entry()));
            System.out.println("promotion history:");
            for (Promotion p : registry.promotions()) {
                System.out.printf(Locale.ROOT, "  %s %-8s v%d (was %s) by %s: %s%n", p.at(), p.action(), p.version(),
                        p.previous() == null ? "none" : "v" + p.previous(), p.by(), p.reason());
            }
            return 0;
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true, description = "Make a version the champion.")
    static final class Promote implements Callable<Integer> {
        @Mixin
        Target target;

        @Parameters(paramLabel = "VERSION", description = "e.g. v3")
        String version;

        @Option(names = "--reason", description = "Recorded in the promotion history.", defaultValue = "by hand")
        String reason;

        @Override
        public Integer call() throws IOException {
            ModelRegistry registry = target.open();
            try (RegistryLock lock = target.lock(registry, "registry promote")) {
                Promotion p = registry.promote(parseVersion(version), reason, lock);
                System.out.println("v" + p.version() + " is the champion of " + registry.name() + " (was "
                        + (p.previous() == null ? "none" : "v" + p.previous()) + ")");
            }
            return 0;
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true, description = "Make the previous champion the "
            + "champion again (repeat to go further back).")
    static final class Rollback implements Callable<Integer> {
        @Mixin
        Target target;

        @Option(names = "--reason", description = "Recorded in the promotion history.", defaultValue = "by hand")
        String reason;

        @Override
        public Integer call() throws IOException {
            ModelRegistry registry = target.open();
            try (RegistryLock lock = target.lock(registry, "registry rollback")) {
                Promotion p = registry.rollback(reason, lock);
                System.out.println("v" + p.version() + " is the champion of " + registry.name() + " again (was v"
                        + p.previous() + ")");
            }
            return 0;
        }
    }
}
