// Deterministic single-precision GEMM (see sisr_kernels.h for the contract).
//
// Structure (BLIS-style): loop over column blocks of NC, then over k blocks of KC (packed B panels of
// NR columns), then over row blocks of MC (packed A panels of MR rows), then the micro-kernel over
// MR x NR tiles. The k blocks run in increasing order and each continues the previous block's
// partial sums stored in C, so every element is one sequential fma chain over k: blocking sizes,
// tile shapes and SIMD widths change speed, never bits. Edge tiles are computed on zero-padded
// panels into a local tile and only the valid part is written back.
#pragma STDC FP_CONTRACT OFF

#include "sisr_kernels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define SISR_X86 1
#endif

enum { KC = 256, NC = 3072, MC_TARGET = 96 };

// ---------------------------------------------------------------------------------------------
// CPU features

int sisr_isa_detect(void) {
#if SISR_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return SISR_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return SISR_ISA_AVX2;
#endif
    return SISR_ISA_GENERIC;
}

int sisr_isa_clamp(int isa) {
    static int detected = -1;
    if (detected < 0) detected = sisr_isa_detect();
    if (isa > detected) isa = detected;
    return isa < 0 ? 0 : isa;
}

// ---------------------------------------------------------------------------------------------
// Generic reference: element (i, j) accumulates p = 0..k-1 in order with one fmaf each.

static void sgemm_generic(int ta, int tb, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a,
                          ptrdiff_t lda, const float *b, ptrdiff_t ldb, int acc, float *c, ptrdiff_t ldc) {
    for (ptrdiff_t i = 0; i < m; i++) {
        float *ci = c + i * ldc;
        if (!acc) memset(ci, 0, (size_t)n * sizeof(float));
        for (ptrdiff_t p = 0; p < k; p++) {
            const float av = ta ? a[p * lda + i] : a[i * lda + p];
            if (tb) {
                for (ptrdiff_t j = 0; j < n; j++) ci[j] = fmaf(av, b[j * ldb + p], ci[j]);
            } else {
                const float *bp = b + p * ldb;
                for (ptrdiff_t j = 0; j < n; j++) ci[j] = fmaf(av, bp[j], ci[j]);
            }
        }
        if (alpha != 1.0f)
            for (ptrdiff_t j = 0; j < n; j++) ci[j] = ci[j] * alpha;
    }
}

// ---------------------------------------------------------------------------------------------
// Packing (shared by the vector paths; plain copies, no arithmetic).

// A block rows [0, mc) x k [0, kc) (already offset), into panels of mr rows: panel[p * mr + r].
static void pack_a(int ta, const float *a, ptrdiff_t lda, ptrdiff_t mc, ptrdiff_t kc, int mr, float *dst) {
    for (ptrdiff_t i0 = 0; i0 < mc; i0 += mr) {
        const ptrdiff_t rows = mc - i0 < mr ? mc - i0 : mr;
        for (ptrdiff_t p = 0; p < kc; p++) {
            for (ptrdiff_t r = 0; r < rows; r++) {
                const ptrdiff_t i = i0 + r;
                dst[r] = ta ? a[p * lda + i] : a[i * lda + p];
            }
            for (ptrdiff_t r = rows; r < mr; r++) dst[r] = 0.0f;
            dst += mr;
        }
    }
}

// B block k [0, kc) x columns [0, nc) (already offset), into panels of nr columns: panel[p * nr + col].
// Untransposed B is read row by row (long contiguous runs the hardware prefetcher follows) and
// scattered into the panels; transposed B is read column by column, which is contiguous there.
static void pack_b(int tb, const float *b, ptrdiff_t ldb, ptrdiff_t kc, ptrdiff_t nc, int nr, float *dst) {
    if (!tb) {
        const ptrdiff_t full = nc / nr * nr;
        for (ptrdiff_t p = 0; p < kc; p++) {
            const float *src = b + p * ldb;
            float *d = dst + p * nr;
            ptrdiff_t j0 = 0;
            if (nr == 16)
                for (; j0 < full; j0 += 16, d += 16 * kc) memcpy(d, src + j0, 16 * sizeof(float));
            else if (nr == 24)
                for (; j0 < full; j0 += 24, d += 24 * kc) memcpy(d, src + j0, 24 * sizeof(float));
            else if (nr == 48)
                for (; j0 < full; j0 += 48, d += 48 * kc) memcpy(d, src + j0, 48 * sizeof(float));
            for (; j0 < full; j0 += nr, d += nr * kc) memcpy(d, src + j0, (size_t)nr * sizeof(float));
            if (full < nc) {
                const ptrdiff_t cols = nc - full;
                memcpy(d, src + full, (size_t)cols * sizeof(float));
                memset(d + cols, 0, (size_t)(nr - cols) * sizeof(float));
            }
        }
        return;
    }
    for (ptrdiff_t j0 = 0; j0 < nc; j0 += nr) {
        const ptrdiff_t cols = nc - j0 < nr ? nc - j0 : nr;
        for (ptrdiff_t p = 0; p < kc; p++) {
            for (ptrdiff_t q = 0; q < cols; q++) dst[q] = b[(j0 + q) * ldb + p];
            for (ptrdiff_t q = cols; q < nr; q++) dst[q] = 0.0f;
            dst += nr;
        }
    }
}

// Per-thread packing buffers, grown on demand and kept for the thread's lifetime.
static _Thread_local float *tls_pack_a, *tls_pack_b;
static _Thread_local size_t tls_cap_a, tls_cap_b;

static float *scratch(float **buf, size_t *cap, size_t count) {
    if (*cap < count) {
        free(*buf);
        *buf = NULL;
        if (posix_memalign((void **)buf, 64, count * sizeof(float)) != 0) abort();
        *cap = count;
    }
    return *buf;
}

// ---------------------------------------------------------------------------------------------
// Micro-kernels. `kern(kc, pa, pb, c, ldc, load, alpha)`: tile = (load ? tile : 0) + sum over the kc
// packed steps, each step one fma per element; then tile *= alpha when alpha != 1.

typedef void (*micro_fn)(ptrdiff_t kc, const float *pa, const float *pb, float *c, ptrdiff_t ldc, int load,
                         float alpha);
// The same for the first `rows` rows and `cols` columns of a tile (edge tiles).
typedef void (*edge_fn)(ptrdiff_t kc, const float *pa, const float *pb, float *c, ptrdiff_t ldc, int load,
                        float alpha, int cols);

#if SISR_X86
#define AVX2_MR 6
#define AVX2_NR 16

// The first `rows` rows of a 6 x 16 tile (A panels are packed 6 rows wide). Per k step: two loads of
// B, `rows` broadcasts of A, 2 x `rows` fmas into 2 x `rows` accumulators.
__attribute__((target("avx2,fma"), always_inline)) static inline void
micro_avx2_rows(const int rows, ptrdiff_t kc, const float *pa, const float *pb, float *c, ptrdiff_t ldc, int load,
                float alpha) {
    __m256 acc0[AVX2_MR], acc1[AVX2_MR];
#pragma clang loop unroll(full)
    for (int r = 0; r < rows; r++) {
        if (load) {
            acc0[r] = _mm256_loadu_ps(c + r * ldc);
            acc1[r] = _mm256_loadu_ps(c + r * ldc + 8);
        } else {
            acc0[r] = acc1[r] = _mm256_setzero_ps();
        }
    }
    for (ptrdiff_t p = 0; p < kc; p++) {
        const __m256 b0 = _mm256_loadu_ps(pb), b1 = _mm256_loadu_ps(pb + 8);
#pragma clang loop unroll(full)
        for (int r = 0; r < rows; r++) {
            const __m256 av = _mm256_broadcast_ss(pa + r);
            acc0[r] = _mm256_fmadd_ps(av, b0, acc0[r]);
            acc1[r] = _mm256_fmadd_ps(av, b1, acc1[r]);
        }
        pa += AVX2_MR;
        pb += AVX2_NR;
    }
    if (alpha != 1.0f) {
        const __m256 s = _mm256_set1_ps(alpha);
#pragma clang loop unroll(full)
        for (int r = 0; r < rows; r++) {
            acc0[r] = _mm256_mul_ps(acc0[r], s);
            acc1[r] = _mm256_mul_ps(acc1[r], s);
        }
    }
#pragma clang loop unroll(full)
    for (int r = 0; r < rows; r++) {
        _mm256_storeu_ps(c + r * ldc, acc0[r]);
        _mm256_storeu_ps(c + r * ldc + 8, acc1[r]);
    }
}

#define AVX2_ROWS(R)                                                                                          \
    __attribute__((target("avx2,fma"))) static void micro_avx2_##R(ptrdiff_t kc, const float *pa,            \
                                                                   const float *pb, float *c, ptrdiff_t ldc,  \
                                                                   int load, float alpha) {                   \
        micro_avx2_rows(R, kc, pa, pb, c, ldc, load, alpha);                                                  \
    }
AVX2_ROWS(1)
AVX2_ROWS(2)
AVX2_ROWS(3)
AVX2_ROWS(4)
AVX2_ROWS(5)
AVX2_ROWS(6)
#define micro_avx2 micro_avx2_6
// Kernels for row panels cut by the bottom edge of A, by the number of rows left.
static const micro_fn avx2_rows[AVX2_MR + 1] = {NULL, micro_avx2_1, micro_avx2_2, micro_avx2_3,
                                                micro_avx2_4, micro_avx2_5, micro_avx2_6};

#define AVX512_MR 8
#define AVX512_NR 48

// The first `rows` rows and `cols` columns of an 8 x 48 tile, `cols` in (16 (nv - 1), 16 nv]: per k step
// `nv` loads of B, `rows` broadcasts of A, `rows` x `nv` fmas; the last vector of each row is loaded and
// stored under a mask of the columns that exist. Panels keep their full 8 x 48 layout (A steps of 8,
// B steps of 48).
__attribute__((target("avx512f"), always_inline)) static inline void
micro_avx512_part(const int rows, const int nv, ptrdiff_t kc, const float *pa, const float *pb, float *c,
                  ptrdiff_t ldc, int load, float alpha, int cols) {
    const __mmask16 last = (__mmask16)((1u << (cols - 16 * (nv - 1))) - 1);
    __m512 acc[AVX512_MR][3];
#pragma clang loop unroll(full)
    for (int r = 0; r < rows; r++)
#pragma clang loop unroll(full)
        for (int v = 0; v < nv; v++)
            acc[r][v] = !load ? _mm512_setzero_ps()
                        : v < nv - 1 ? _mm512_loadu_ps(c + r * ldc + 16 * v)
                                     : _mm512_maskz_loadu_ps(last, c + r * ldc + 16 * v);
    for (ptrdiff_t p = 0; p < kc; p++) {
        __m512 b[3];
#pragma clang loop unroll(full)
        for (int v = 0; v < nv; v++) b[v] = _mm512_loadu_ps(pb + 16 * v);
#pragma clang loop unroll(full)
        for (int r = 0; r < rows; r++) {
            const __m512 av = _mm512_set1_ps(pa[r]);
#pragma clang loop unroll(full)
            for (int v = 0; v < nv; v++) acc[r][v] = _mm512_fmadd_ps(av, b[v], acc[r][v]);
        }
        pa += AVX512_MR;
        pb += AVX512_NR;
    }
    const __m512 s = _mm512_set1_ps(alpha);
#pragma clang loop unroll(full)
    for (int r = 0; r < rows; r++)
#pragma clang loop unroll(full)
        for (int v = 0; v < nv; v++) {
            if (alpha != 1.0f) acc[r][v] = _mm512_mul_ps(acc[r][v], s);
            if (v < nv - 1)
                _mm512_storeu_ps(c + r * ldc + 16 * v, acc[r][v]);
            else
                _mm512_mask_storeu_ps(c + r * ldc + 16 * v, last, acc[r][v]);
        }
}

__attribute__((target("avx512f"))) static void micro_avx512(ptrdiff_t kc, const float *pa, const float *pb,
                                                             float *c, ptrdiff_t ldc, int load, float alpha) {
    micro_avx512_part(AVX512_MR, 3, kc, pa, pb, c, ldc, load, alpha, AVX512_NR);
}

// Kernels for tiles cut by the bottom or right edge: avx512_edge[rows][nv](..., cols).
#define AVX512_PART(R, V)                                                                                     \
    __attribute__((target("avx512f"))) static void micro_avx512_##R##_##V(                                    \
        ptrdiff_t kc, const float *pa, const float *pb, float *c, ptrdiff_t ldc, int load, float alpha,       \
        int cols) {                                                                                           \
        micro_avx512_part(R, V, kc, pa, pb, c, ldc, load, alpha, cols);                                       \
    }
#define AVX512_PARTS(R) AVX512_PART(R, 1) AVX512_PART(R, 2) AVX512_PART(R, 3)
AVX512_PARTS(1)
AVX512_PARTS(2)
AVX512_PARTS(3)
AVX512_PARTS(4)
AVX512_PARTS(5)
AVX512_PARTS(6)
AVX512_PARTS(7)
AVX512_PARTS(8)
#define AVX512_ROW(R) {NULL, micro_avx512_##R##_1, micro_avx512_##R##_2, micro_avx512_##R##_3}
static const edge_fn avx512_edge[AVX512_MR + 1][4] = {
    {NULL},        AVX512_ROW(1), AVX512_ROW(2), AVX512_ROW(3), AVX512_ROW(4),
    AVX512_ROW(5), AVX512_ROW(6), AVX512_ROW(7), AVX512_ROW(8)};
#endif

// ---------------------------------------------------------------------------------------------
// Drivers for the vector kernels. Both visit the k blocks of every output tile in increasing order,
// so they give the same bits; they differ in what they keep in which cache.

// A vector kernel: the full MR x NR micro-kernel and, optionally, kernels for the first 1 ..< MR rows
// (used on row panels cut by the bottom edge, instead of computing a whole tile into a buffer).
// Optionally, kernels for any edge tile `edge[rows][ceil(cols / 16)]` that write exactly the tile's
// columns (instead of a local buffer).
typedef struct {
    micro_fn full;
    const micro_fn *rows;
    const edge_fn (*edge)[4];
    int mr, nr;
} kernel_t;

// Runs the micro-kernel on one tile, through a local buffer when the tile is cut by the right edge
// (or by the bottom edge, if there is no kernel for fewer rows).
static inline void run_tile(const kernel_t *kt, ptrdiff_t rows, ptrdiff_t cols, ptrdiff_t kc, const float *apanel,
                            const float *bpanel, float *ct, ptrdiff_t ldc, int load, float scale) {
    const int nr = kt->nr;
    if (kt->edge && (cols < nr || rows < kt->mr)) {
        kt->edge[rows][(cols + 15) / 16](kc, apanel, bpanel, ct, ldc, load, scale, (int)cols);
        return;
    }
    if (cols == nr && (rows == kt->mr || kt->rows)) {
        (rows == kt->mr ? kt->full : kt->rows[rows])(kc, apanel, bpanel, ct, ldc, load, scale);
        return;
    }
    float tile[8 * 48] __attribute__((aligned(64)));
    if (load)
        for (ptrdiff_t r = 0; r < rows; r++) memcpy(tile + r * nr, ct + r * ldc, (size_t)cols * sizeof(float));
    kt->full(kc, apanel, bpanel, tile, nr, load, scale);
    for (ptrdiff_t r = 0; r < rows; r++) memcpy(ct + r * ldc, tile + r * nr, (size_t)cols * sizeof(float));
}

// Few rows (the weights of a convolution): all of A is packed once and stays in L2; B is packed in
// groups of columns small enough to stay in L2 with it, right before use, and each micro-panel of B
// stays in L1 while every row panel of A passes over it.
enum { A_RESIDENT_FLOATS = 48 * 1024, B_GROUP_FLOATS = 32 * 1024 };

static void sgemm_small_m(const kernel_t *kt, int ta, int tb, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                          float alpha, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, int acc,
                          float *c, ptrdiff_t ldc) {
    const int mr = kt->mr, nr = kt->nr;
    const ptrdiff_t mpad = (m + mr - 1) / mr * mr;
    float *pa = scratch(&tls_pack_a, &tls_cap_a, (size_t)(mpad * k));
    // Columns per packed group of B: about B_GROUP_FLOATS for the largest k block, whole panels.
    const ptrdiff_t kmax = k < KC ? k : KC;
    ptrdiff_t group = B_GROUP_FLOATS / kmax / nr * nr;
    if (group < nr) group = nr;
    float *pb = scratch(&tls_pack_b, &tls_cap_b, (size_t)(group * kmax));
    // Block p0 of A occupies pa[p0 * mpad, (p0 + kc) * mpad), row panel ir at offset ir * kc inside it.
    for (ptrdiff_t p0 = 0; p0 < k; p0 += KC) {
        const ptrdiff_t kc = k - p0 < KC ? k - p0 : KC;
        pack_a(ta, ta ? a + p0 * lda : a + p0, lda, m, kc, mr, pa + p0 * mpad);
    }
    for (ptrdiff_t j0 = 0; j0 < n; j0 += group) {
        const ptrdiff_t nb = n - j0 < group ? n - j0 : group;
        for (ptrdiff_t p0 = 0; p0 < k; p0 += KC) {
            const ptrdiff_t kc = k - p0 < KC ? k - p0 : KC;
            const int load = acc || p0 > 0;
            const float scale = p0 + kc >= k ? alpha : 1.0f;
            pack_b(tb, tb ? b + j0 * ldb + p0 : b + p0 * ldb + j0, ldb, kc, nb, nr, pb);
            for (ptrdiff_t jr = 0; jr < nb; jr += nr) {
                const ptrdiff_t cols = nb - jr < nr ? nb - jr : nr;
                for (ptrdiff_t ir = 0; ir < m; ir += mr) {
                    const ptrdiff_t rows = m - ir < mr ? m - ir : mr;
                    run_tile(kt, rows, cols, kc, pa + p0 * mpad + ir * kc, pb + jr * kc,
                             c + ir * ldc + j0 + jr, ldc, load, scale);
                }
            }
        }
    }
}

// General shapes: B is packed in blocks of KC x NC, A in blocks of MC x KC (BLIS order).
static void sgemm_blocked(const kernel_t *kt, int ta, int tb, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                          float alpha, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, int acc,
                          float *c, ptrdiff_t ldc) {
    const int mr = kt->mr, nr = kt->nr;
    const ptrdiff_t mpad = (m + mr - 1) / mr * mr;
    if (mpad * k <= A_RESIDENT_FLOATS) {
        sgemm_small_m(kt, ta, tb, m, n, k, alpha, a, lda, b, ldb, acc, c, ldc);
        return;
    }
    const ptrdiff_t mc_max = (MC_TARGET / mr) * mr;
    const ptrdiff_t nc_max = ((NC + nr - 1) / nr) * nr;
    float *pa = scratch(&tls_pack_a, &tls_cap_a, (size_t)(mc_max * KC));
    float *pb = scratch(&tls_pack_b, &tls_cap_b, (size_t)(nc_max * KC));

    for (ptrdiff_t j0 = 0; j0 < n; j0 += nc_max) {
        const ptrdiff_t nc = n - j0 < nc_max ? n - j0 : nc_max;
        for (ptrdiff_t p0 = 0; p0 < k; p0 += KC) {
            const ptrdiff_t kc = k - p0 < KC ? k - p0 : KC;
            const int load = acc || p0 > 0;
            const float scale = p0 + kc >= k ? alpha : 1.0f;
            pack_b(tb, tb ? b + j0 * ldb + p0 : b + p0 * ldb + j0, ldb, kc, nc, nr, pb);
            for (ptrdiff_t i0 = 0; i0 < m; i0 += mc_max) {
                const ptrdiff_t mc = m - i0 < mc_max ? m - i0 : mc_max;
                pack_a(ta, ta ? a + p0 * lda + i0 : a + i0 * lda + p0, lda, mc, kc, mr, pa);
                for (ptrdiff_t jr = 0; jr < nc; jr += nr) {
                    const ptrdiff_t cols = nc - jr < nr ? nc - jr : nr;
                    for (ptrdiff_t ir = 0; ir < mc; ir += mr) {
                        const ptrdiff_t rows = mc - ir < mr ? mc - ir : mr;
                        run_tile(kt, rows, cols, kc, pa + ir * kc, pb + jr * kc,
                                 c + (i0 + ir) * ldc + j0 + jr, ldc, load, scale);
                    }
                }
            }
        }
    }
}

#if SISR_X86
static const kernel_t avx512 = {micro_avx512, NULL, avx512_edge, AVX512_MR, AVX512_NR};
static const kernel_t avx2 = {micro_avx2, avx2_rows, NULL, AVX2_MR, AVX2_NR};
#endif

// Pre-packed operands (sisr_kernels.h): A in row panels of mr rows over all of k, B in column panels
// of nr columns over all of k, so any k block of a panel is one contiguous run. Tiles, k blocks and
// their order are those of sgemm_small_m, so the bits are those of sisr_sgemm.
static void sgemm_prepacked(const kernel_t *kt, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *pa,
                            const float *pb, float *c, ptrdiff_t ldc) {
    const int mr = kt->mr, nr = kt->nr;
    for (ptrdiff_t jr = 0; jr < n; jr += nr) {
        const ptrdiff_t cols = n - jr < nr ? n - jr : nr;
        for (ptrdiff_t p0 = 0; p0 < k; p0 += KC) {
            const ptrdiff_t kc = k - p0 < KC ? k - p0 : KC;
            for (ptrdiff_t ir = 0; ir < m; ir += mr) {
                const ptrdiff_t rows = m - ir < mr ? m - ir : mr;
                run_tile(kt, rows, cols, kc, pa + ir * k + p0 * mr, pb + jr * k + p0 * nr, c + ir * ldc + jr, ldc,
                         p0 > 0, 1.0f);
            }
        }
    }
}

static int packed_tile(int isa, int *mr, int *nr) {
    const int level = sisr_isa_clamp(isa);
    sisr_sgemm_tile(level, mr, nr);
    return level;
}

ptrdiff_t sisr_sgemm_packed_a_size(int isa, ptrdiff_t m, ptrdiff_t k) {
    int mr, nr;
    packed_tile(isa, &mr, &nr);
    return (m + mr - 1) / mr * mr * k;
}

void sisr_sgemm_pack_a(int isa, ptrdiff_t m, ptrdiff_t k, const float *a, ptrdiff_t lda, float *dst) {
    int mr, nr;
    packed_tile(isa, &mr, &nr);
    pack_a(0, a, lda, m, k, mr, dst);
}

void sisr_sgemm_packed(int isa, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *pa, const float *pb, float *c,
                       ptrdiff_t ldc) {
    if (m <= 0 || n <= 0) return;
    int mr, nr;
    switch (packed_tile(isa, &mr, &nr)) {
#if SISR_X86
    case SISR_ISA_AVX512: sgemm_prepacked(&avx512, m, n, k, pa, pb, c, ldc); return;
    case SISR_ISA_AVX2: sgemm_prepacked(&avx2, m, n, k, pa, pb, c, ldc); return;
#endif
    default:  // 1 x 1 panels: A row-major, B transposed, both with leading dimension k
        sgemm_generic(0, 1, m, n, k, 1.0f, pa, k, pb, k, 0, c, ldc);
        return;
    }
}

void sisr_sgemm_tile(int isa, int *mr, int *nr) {
    switch (sisr_isa_clamp(isa)) {
#if SISR_X86
    case SISR_ISA_AVX512: *mr = AVX512_MR; *nr = AVX512_NR; return;
    case SISR_ISA_AVX2: *mr = AVX2_MR; *nr = AVX2_NR; return;
#endif
    default: *mr = 1; *nr = 1; return;
    }
}

void sisr_sgemm(int isa, int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
                const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, int accumulate, float *c,
                ptrdiff_t ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        for (ptrdiff_t i = 0; i < m; i++)
            for (ptrdiff_t j = 0; j < n; j++) {
                const float v = accumulate ? c[i * ldc + j] : 0.0f;
                c[i * ldc + j] = alpha != 1.0f ? v * alpha : v;
            }
        return;
    }
    switch (sisr_isa_clamp(isa)) {
#if SISR_X86
    case SISR_ISA_AVX512:
        sgemm_blocked(&avx512, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, accumulate, c, ldc);
        return;
    case SISR_ISA_AVX2:
        sgemm_blocked(&avx2, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, accumulate, c, ldc);
        return;
#endif
    default:
        sgemm_generic(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, accumulate, c, ldc);
        return;
    }
}
