package io.sparkcnn.train;

import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OpenBlasCoreTest {
    private static final Set<String> AVX512 = Set.of("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512cd",
            "avx512bw", "avx512dq", "avx512vl");

    @Test
    void cpusGetTheKernelsOfTheirWidestVectorsWhereOpenBlasWouldNot() {
        assertEquals(Optional.of("SkylakeX"), OpenBlasCore.choose("GenuineIntel", AVX512));
        // Missing one AVX-512 subset the SkylakeX kernels use (Xeon Phi has F and CD but not BW, DQ, VL).
        assertEquals(Optional.of("Haswell"), OpenBlasCore.choose("GenuineIntel",
                Set.of("avx", "avx2", "fma", "avx512f", "avx512cd")));
        assertEquals(Optional.of("Haswell"), OpenBlasCore.choose("GenuineIntel", Set.of("avx", "avx2", "fma")));
        // AVX without AVX2/FMA (Sandy Bridge) or nothing: OpenBLAS's own choice.
        assertEquals(Optional.empty(), OpenBlasCore.choose("GenuineIntel", Set.of("sse4_2", "avx")));
        // AMD's Zen 4 has the AVX-512 subsets; OpenBLAS 0.3.19 would give it its AVX2 Zen kernels.
        assertEquals(Optional.of("SkylakeX"), OpenBlasCore.choose("AuthenticAMD", AVX512));
        // Earlier AMD families (AVX2 only) OpenBLAS 0.3.19 recognises itself; another vendor is left to it.
        assertEquals(Optional.empty(), OpenBlasCore.choose("AuthenticAMD", Set.of("avx", "avx2", "fma")));
        assertEquals(Optional.empty(), OpenBlasCore.choose("HygonGenuine", AVX512));
    }
}
