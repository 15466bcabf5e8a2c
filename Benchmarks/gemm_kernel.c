// The engine's GEMM kernel on its own, next to OpenBLAS's sgemm in the same process, single-threaded.
// Shapes are those of the engine's convolutions (im2col 3x3 tiles and Winograd GEMMs). Runs are
// interleaved (sisr, OpenBLAS, sisr, ...) and the best of REPEATS is reported for each, so machine
// noise hits both alike; times are the thread's CPU time (time spent descheduled does not count). Also checks that the vector kernel gives the generic path's bits.
// Build (clang, as SwiftPM builds the kernels): clang -O3 -ffp-contract=off -I Sources/CSISRKernels/include Benchmarks/gemm_kernel.c \
//        Sources/CSISRKernels/sgemm.c -lopenblas -lm
// Usage: gemm_kernel [REPEATS [GHZ [SHAPE]]]   (GHZ: clock for the peak, default from /proc/cpuinfo,
//        0 for that; SHAPE: index of one shape)
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sisr_kernels.h"

extern void openblas_set_num_threads(int);

// CPU time of this thread: on a shared machine the time the thread was descheduled does not count.
static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpuinfo_ghz(void) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    double mhz = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "cpu MHz", 7) == 0 && sscanf(strchr(line, ':') + 1, "%lf", &mhz) == 1) break;
    if (f) fclose(f);
    return mhz / 1000;
}

int main(int argc, char **argv) {
    const int repeats = argc > 1 ? atoi(argv[1]) : 5;
    const double ghz = argc > 2 && atof(argv[2]) > 0 ? atof(argv[2]) : cpuinfo_ghz();
    const int isa = sisr_isa_clamp(SISR_ISA_AVX512);
    const char *isa_name = isa == SISR_ISA_AVX512 ? "avx512" : isa == SISR_ISA_AVX2 ? "avx2" : "generic";
    // Single-precision FMA peak of one core: 2 FMA units x lanes x 2 FLOPs per cycle.
    const double lanes = isa == SISR_ISA_AVX512 ? 16 : isa == SISR_ISA_AVX2 ? 8 : 1;
    const double peak = 2 * lanes * 2 * ghz;
    openblas_set_num_threads(1);
    static const struct { const char *what; int m, k, n; } shapes[] = {
        {"im2col 3x3, 64 ch, 1800 px", 64, 576, 1800},
        {"Winograd 64->64, 2000 tiles", 64, 64, 2000},
        {"Winograd 192->32 (RRDB)", 32, 192, 2000},
        {"square 1024", 1024, 1024, 1024},
    };
    int mr, nr;
    sisr_sgemm_tile(isa, &mr, &nr);
    printf("{\"isa\": \"%s\", \"tile\": \"%dx%d\", \"ghz\": %.3f, \"peak_gflops_per_core\": %.1f, \"shapes\": [\n",
           isa_name, mr, nr, ghz, peak);
    const int count = sizeof shapes / sizeof shapes[0];
    const int only = argc > 3 ? atoi(argv[3]) : -1;  // one shape (index), for profiling
    for (int s = 0; s < count; s++) {
        if (only >= 0 && s != only) continue;
        const int m = shapes[s].m, k = shapes[s].k, n = shapes[s].n;
        float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n);
        float *c = malloc(sizeof(float) * m * n), *r = malloc(sizeof(float) * m * n);
        srand(1);
        for (int i = 0; i < m * k; i++) a[i] = rand() / (float)RAND_MAX - 0.5f;
        for (int i = 0; i < k * n; i++) b[i] = rand() / (float)RAND_MAX - 0.5f;
        sisr_sgemm(SISR_ISA_GENERIC, 0, 0, m, n, k, 1, a, k, b, n, 0, r, n);
        sisr_sgemm(isa, 0, 0, m, n, k, 1, a, k, b, n, 0, c, n);
        const int identical = memcmp(c, r, sizeof(float) * m * n) == 0;
        const double flop = 2.0 * m * n * k;
        const int inner = (int)(2e9 / flop) + 1;  // about 2 GFLOP per timed run
        double best_s = 1e30, best_o = 1e30;
        for (int rep = 0; rep < repeats; rep++) {
            double t = now();
            for (int i = 0; i < inner; i++) sisr_sgemm(isa, 0, 0, m, n, k, 1, a, k, b, n, 0, c, n);
            t = (now() - t) / inner;
            if (t < best_s) best_s = t;
            t = now();
            for (int i = 0; i < inner; i++)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
            t = (now() - t) / inner;
            if (t < best_o) best_o = t;
        }
        printf("  {\"shape\": \"%s\", \"m\": %d, \"k\": %d, \"n\": %d, \"sisr_gflops\": %.1f, \"openblas_gflops\": %.1f, "
               "\"sisr_peak_fraction\": %.3f, \"openblas_peak_fraction\": %.3f, \"bits_match_generic\": %s}%s\n",
               shapes[s].what, m, k, n, flop / best_s / 1e9, flop / best_o / 1e9, flop / best_s / 1e9 / peak,
               flop / best_o / 1e9 / peak, identical ? "true" : "false", s + 1 < count ? "," : "");
        free(a); free(b); free(c); free(r);
    }
    printf("]}\n");
    return 0;
}
