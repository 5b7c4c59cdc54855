package io.sparkcnn.spark.training;

import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.FineTuneConfig;
import io.sparkcnn.config.JobConfig;
import io.sparkcnn.config.Settings;
import io.sparkcnn.data.FileSystems;
import io.sparkcnn.model.FineTuning;
import io.sparkcnn.model.ModelStore;
import io.sparkcnn.registry.ModelRegistry;
import io.sparkcnn.registry.RegistryVersion;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/** Reads the network model.init names: a model folder, the registry's champion, or a DL4J model zip. */
final class FineTuneSource {
    private FineTuneSource() {
    }

    static FineTuning.Source load(JobConfig job, Configuration hadoop) {
        String init = job.fineTune().init();
        try {
            if (init.equals(FineTuneConfig.CHAMPION)) {
                if (!job.registry().enabled()) {
                    throw new ConfigException(Settings.MODEL_INIT.key(), "champion needs registry.dir and "
                            + "registry.model to say which registry and model");
                }
                ModelRegistry registry = ModelRegistry.open(job.registry().dir(), job.registry().model(), hadoop);
                RegistryVersion champion = registry.champion().orElseThrow(() -> new ConfigException(
                        Settings.MODEL_INIT.key(), registry.name() + " has no champion in " + job.registry().dir()));
                return FineTuning.Source.of(registry.read(champion), "champion " + champion.name() + " of "
                        + registry.name());
            }
            if (init.toLowerCase(Locale.ROOT).endsWith(".zip")) {
                Path path = FileSystems.qualified(init, hadoop);
                FileSystem fs = FileSystems.of(path, hadoop);
                try (InputStream in = fs.open(path)) {
                    return FineTuning.Source.ofZip(in.readAllBytes(), path.toString());
                }
            }
            return FineTuning.Source.of(ModelStore.read(init, hadoop), init);
        } catch (IOException e) {
            throw new ConfigException(Settings.MODEL_INIT.key(), "cannot read " + init + ": " + e.getMessage());
        }
    }
}
