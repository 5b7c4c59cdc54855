package io.sparkcnn.kernels;

import io.sparkcnn.config.Settings;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.LoggerFactory;

/**
 * What spark-cnn's oneDNN kernels ({@link OneDnnConvolution}, {@link OneDnnBatchNorm}) share: the CPU engine of
 * oneDNN 2.5 (JavaCPP's dnnl presets, at the JavaCPP line ND4J uses), whether it may be used, and memories over
 * DL4J's arrays, in place.
 *
 * <p>oneDNN runs on its own OpenMP runtime, which follows {@code OMP_NUM_THREADS} like ND4J's. When its
 * native library cannot be loaded (a platform the build has no natives for) or {@code -Dsparkcnn.onednn=false}
 * ({@link Settings#ONEDNN}), {@link #available} is false and the Java and OpenBLAS kernels run instead.
 */
final class OneDnn {
    static final engine ENGINE = cpuEngine();

    private OneDnn() {
    }

    /** True when oneDNN's library loaded on this machine and is not switched off. */
    static boolean available() {
        return ENGINE != null && Settings.ONEDNN.value();
    }

    private static engine cpuEngine() {
        try {
            return new engine(engine.kind.cpu, 0);
        } catch (Throwable e) { // UnsatisfiedLinkError on a platform without the natives
            LoggerFactory.getLogger(OneDnn.class).warn("oneDNN is not available here ({}): convolutions and "
                    + "batch normalisation run in spark-cnn's Java and OpenBLAS kernels", e.toString());
            return null;
        }
    }

    static memory.desc floats(long[] dims, memory.format_tag tag) {
        return new memory.desc(dims, memory.data_type.f32, tag);
    }

    /** A memory of that layout without storage of its own: {@link #bind} points it at an array. */
    static memory unbound(memory.desc desc) {
        return new memory(desc, ENGINE, (Pointer) null);
    }

    /** The memory, pointed at a dense float array's elements (no copy). */
    static memory bind(memory m, INDArray array) {
        m.set_data_handle(address(array));
        return m;
    }

    /** The address of a dense float array's first element, as a position-0 pointer (what oneDNN reads). */
    private static Pointer address(INDArray array) {
        if (!DenseFloats.dense(array)) {
            throw new IllegalArgumentException("oneDNN operands must be dense float arrays: "
                    + array.shapeInfoToString());
        }
        FloatPointer first = DenseFloats.pointer(array, 0);
        long at = first.address() + 4L * first.position();
        return new Pointer() {
            {
                address = at; // Pointer's field (a local of that name would be hidden by it in here)
            }
        };
    }
}
