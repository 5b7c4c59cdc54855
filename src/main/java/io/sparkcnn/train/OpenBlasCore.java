package io.sparkcnn.train;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.sparkcnn.config.BuildInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Chooses OpenBLAS's kernels from the CPU's flags before ND4J loads OpenBLAS. ND4J 1.0.0-M2.1 bundles OpenBLAS
 * 0.3.19, which picks its kernels by CPU model and, on an Intel model newer than itself (Sapphire Rapids and
 * later), falls back to generic ones: matrix products at 30-40% of their speed, ResNet-18 training at half. So,
 * unless {@code OPENBLAS_CORETYPE} is set already: on a CPU with the AVX-512 subsets the SkylakeX kernels use,
 * Intel's or AMD's, this asks for those (0.3.19 gives AMD's Zen 4 its AVX2 Zen kernels: the seed CNN, whose time
 * is OpenBLAS products, trains 1.3x faster with SkylakeX's; docs/performance.md); on an Intel CPU with AVX2 and
 * FMA, for Haswell's; otherwise (older AMD, which 0.3.19 recognises by family, or a CPU without AVX2) OpenBLAS
 * decides as before. The variable goes into the process's environment
 * (libc's setenv, through JNA), where OpenBLAS reads it when it is loaded; once it is loaded a choice changes
 * nothing, so the command line makes it first and executors when they start ({@code ExecutorSetup}).
 */
public final class OpenBlasCore {
    public static final String VARIABLE = "OPENBLAS_CORETYPE";
    private static final Logger LOG = LoggerFactory.getLogger(OpenBlasCore.class);
    private static final List<String> SKYLAKEX_FLAGS = List.of("avx512f", "avx512cd", "avx512bw", "avx512dq",
            "avx512vl");
    private static volatile Optional<String> prepared;

    private OpenBlasCore() {
    }

    /** libc's environment functions (JNA maps Java strings to C strings). */
    interface LibC extends Library {
        int setenv(String name, String value, int overwrite);

        String getenv(String name);
    }

    /** The kernels to ask for on a CPU of this vendor ({@code /proc/cpuinfo}'s vendor_id) with these flags. */
    static Optional<String> choose(String vendor, Set<String> flags) {
        if (flags.containsAll(SKYLAKEX_FLAGS) && ("GenuineIntel".equals(vendor) || "AuthenticAMD".equals(vendor))) {
            return Optional.of("SkylakeX");
        }
        if (!"GenuineIntel".equals(vendor)) {
            return Optional.empty();
        }
        if (flags.contains("avx2") && flags.contains("fma")) {
            return Optional.of("Haswell");
        }
        return Optional.empty();
    }

    /**
     * Sets {@code OPENBLAS_CORETYPE} in this process for this CPU when it is unset and OpenBLAS has not been loaded
     * yet; returns what the process's environment then says (empty: OpenBLAS decides). Safe to call more than once
     * and from any thread; never fails a job (a CPU or libc it cannot read leaves OpenBLAS to decide).
     */
    public static synchronized Optional<String> prepare() {
        if (prepared != null) {
            return prepared;
        }
        try {
            LibC libc = Native.loadLibrary("c", LibC.class);
            String set = libc.getenv(VARIABLE);
            if (set == null || set.isEmpty()) {
                Optional<String> choice = BuildInfo.cpuInfo().flatMap(c -> choose(c.vendor(), c.flags()));
                if (choice.isPresent() && libc.setenv(VARIABLE, choice.get(), 0) == 0) {
                    LOG.debug("{} = {} (chosen from this CPU's flags)", VARIABLE, choice.get());
                }
                set = libc.getenv(VARIABLE);
            }
            prepared = Optional.ofNullable(set == null || set.isEmpty() ? null : set);
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("cannot choose OpenBLAS's kernels ({}); OpenBLAS decides", e.toString());
            prepared = Optional.empty();
        }
        return prepared;
    }

    /** The kernels the loaded OpenBLAS runs (its own name for them), when it can tell. */
    public static Optional<String> loaded() {
        try {
            org.bytedeco.javacpp.Pointer symbol = org.bytedeco.javacpp.Loader.addressof("openblas_get_corename");
            if (symbol == null || symbol.isNull()) {
                return Optional.empty();
            }
            return Optional.ofNullable(Function.getFunction(new Pointer(symbol.address())).invokeString(new Object[0],
                    false));
        } catch (RuntimeException | LinkageError e) {
            return Optional.empty();
        }
    }
}
