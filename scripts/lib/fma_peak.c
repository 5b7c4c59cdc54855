/*
 * One core's float peak, measured: GFLOP/s of independent fused multiply-adds in the widest vectors this CPU
 * runs (built with -march=native: AVX-512, else AVX2 and FMA). The clock /proc/cpuinfo reports is the nominal
 * one, not the boost clock a busy core runs at, and the FLOP per cycle of a vector width differ between CPUs
 * (AMD's Zen 4 runs a 512-bit FMA as two 256-bit halves): a peak from the flags and that clock can sit far
 * below what a kernel reaches. Prints "GFLOPS BITS": the best of 7 runs of about 0.2 s.
 */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#if defined(__AVX512F__)
typedef __m512 vec;
#define LANES 16
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define SUM(v) _mm512_reduce_add_ps(v)
#elif defined(__FMA__)
typedef __m256 vec;
#define LANES 8
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
static float SUM(__m256 v) {
    float f[8];
    _mm256_storeu_ps(f, v);
    return f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7];
}
#else
#error "needs FMA (x86-64 with AVX2 and FMA, or AVX-512)"
#endif

/* Enough independent chains to cover the FMA latency on two pipes (4-5 cycles x 2). */
#define CHAINS 12

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    volatile float seed = 0.999f;
    vec a = SET1(seed), b = SET1(1e-3f);
    vec acc[CHAINS];
    for (int c = 0; c < CHAINS; c++) {
        acc[c] = SET1((float) c);
    }
    double best = 0;
    long iterations = 1L << 22;
    for (int run = 0; run < 7; run++) {
        double start = seconds();
        for (long i = 0; i < iterations; i++) {
#pragma GCC unroll 16 /* the chains in registers, not in memory */
            for (int c = 0; c < CHAINS; c++) {
                acc[c] = FMA(acc[c], a, b); /* converges to 1: no overflow, no denormals */
            }
        }
        double took = seconds() - start;
        double gflops = (double) iterations * CHAINS * LANES * 2 / took / 1e9;
        best = gflops > best ? gflops : best;
        if (took < 0.1) {
            iterations *= 2;
        }
    }
    float sink = 0;
    for (int c = 0; c < CHAINS; c++) {
        sink += SUM(acc[c]);
    }
    /* The sum keeps the loop from being optimised away; it is about CHAINS * LANES. */
    printf("%.1f %d %s\n", best, LANES * 32, sink > 0 ? "" : "?");
    return 0;
}
