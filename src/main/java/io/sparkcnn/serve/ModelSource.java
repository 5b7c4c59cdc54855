package io.sparkcnn.serve;

import io.sparkcnn.config.ConfigException;
import io.sparkcnn.config.ImageConfig;
import io.sparkcnn.config.NormalisationKind;
import io.sparkcnn.config.ResizePolicy;
import io.sparkcnn.config.Settings;
import io.sparkcnn.model.ModelStore;
import io.sparkcnn.model.SavedModel;
import io.sparkcnn.registry.ModelRegistry;
import io.sparkcnn.registry.RegistryVersion;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

import java.io.IOException;

/**
 * Where serve's model comes from: a model folder (read once), or a registry model's champion, which may change
 * while serve runs. {@link #currentVersion} is cheap (a listing); {@link #load} reads and checks the model.
 */
public interface ModelSource {
    /** The version that {@link #load} would load now. */
    String currentVersion() throws IOException;

    /** Loads the current version. */
    ServedModel load() throws IOException;

    /** Whether the version can change while serve runs (and is worth polling). */
    boolean changes();

    /** A model folder, named {@code name}; its URI is its version. */
    static ModelSource folder(String dir, String name, ResizePolicy resize, long maxPixels, Configuration conf) {
        return new ModelSource() {
            @Override
            public String currentVersion() throws IOException {
                return io.sparkcnn.data.FileSystems.qualified(dir, conf).toString();
            }

            @Override
            public ServedModel load() throws IOException {
                return served(name, currentVersion(), ModelStore.read(dir, conf), resize, maxPixels);
            }

            @Override
            public boolean changes() {
                return false;
            }
        };
    }

    /** The champion of registry model {@code name} in {@code registryDir}; its version is {@code vN}. */
    static ModelSource champion(String registryDir, String name, ResizePolicy resize, long maxPixels,
                                Configuration conf) throws IOException {
        ModelRegistry registry = ModelRegistry.open(registryDir, name, conf);
        return new ModelSource() {
            private RegistryVersion champion() throws IOException {
                return registry.champion().orElseThrow(() -> new ConfigException(Settings.REGISTRY_MODEL.key(),
                        "model " + name + " at " + registry.location() + " has no champion"));
            }

            @Override
            public String currentVersion() throws IOException {
                return champion().name();
            }

            @Override
            public ServedModel load() throws IOException {
                RegistryVersion v = champion();
                return served(name, v.name(), registry.read(v), resize, maxPixels);
            }

            @Override
            public boolean changes() {
                return true;
            }
        };
    }

    /**
     * The model with how its uploads are decoded: its input size and channels, and the resize policy it was
     * trained with (from its provenance; {@code resize} for a model that does not record it).
     */
    private static ServedModel served(String name, String version, SavedModel model, ResizePolicy resize,
                                      long maxPixels) {
        String trained = model.provenance().config() == null ? null
                : model.provenance().config().get(Settings.IMAGE_RESIZE.key());
        ResizePolicy policy = trained == null ? resize : ResizePolicy.fromConfig(trained.replace("\"", "").trim());
        ImageConfig image = new ImageConfig(model.shape().height(), model.shape().width(), model.shape().channels(),
                policy, model.normalisation().isUnit() ? NormalisationKind.UNIT : NormalisationKind.STANDARDISE,
                maxPixels);
        return new ServedModel(name, version, model, image);
    }

    /** The name a model folder is served under when none is given: the folder's own name. */
    static String nameOf(String dir) {
        return new Path(dir).getName();
    }
}
