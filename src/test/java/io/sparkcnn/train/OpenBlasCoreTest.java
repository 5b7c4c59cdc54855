package io.sparkcnn.train;

import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OpenBlasCoreTest {
    private static final Set<String> AVX512 = Set.of("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512cd",
            "avx512bw", "avx512dq", "avx512vl");

    @Test
    void intelCpusGetTheKernelsOfTheirWidestVectorsAndOthersAreLeftToOpenBlas() {
        assertEquals(Optional.of("SkylakeX"), OpenBlasCore.choose("GenuineIntel", AVX512));
        // Missing one AVX-512 subset the SkylakeX kernels use (Xeon Phi has F and CD but not BW, DQ, VL).
        assertEquals(Optional.of("Haswell"), OpenBlasCore.choose("GenuineIntel",
                Set.of("avx", "avx2", "fma", "avx512f", "avx512cd")));
        assertEquals(Optional.of("Haswell"), OpenBlasCore.choose("GenuineIntel", Set.of("avx", "avx2", "fma")));
        // AVX without AVX2/FMA (Sandy Bridge) or nothing: OpenBLAS's own choice.
        assertEquals(Optional.empty(), OpenBlasCore.choose("GenuineIntel", Set.of("sse4_2", "avx")));
        // OpenBLAS 0.3.19 recognises AMD's families itself.
        assertEquals(Optional.empty(), OpenBlasCore.choose("AuthenticAMD", AVX512));
    }
}
