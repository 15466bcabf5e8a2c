// Winograd F(4x4, 3x3) input and output transforms (the engine's conv2dWinogradF4 in
// Sources/SISREngine/Tensor/WinogradF4.swift runs the GEMMs between them).
//
// Every value is a fixed sequence of float additions, subtractions and multiplications by small
// exact constants (2, 4, 5, 8), written once per tile; the instruction-set variants are the same
// source, auto-vectorised across tiles only (lanes are independent tiles, never parts of one sum),
// compiled with contraction off, so generic, AVX2 and AVX-512 give identical bits. (The one piece of
// ISA-specific code, AVX-512's interleave of output columns, only moves values.)

#include "sisr_kernels.h"

#include <stdlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define L 16  // tiles per group

static inline __attribute__((always_inline)) ptrdiff_t min_p(ptrdiff_t a, ptrdiff_t b) { return a < b ? a : b; }

// B^T applied to six values: B^T = [[4,0,-5,0,1,0], [0,-4,-4,1,1,0], [0,4,-4,-1,1,0],
// [0,-2,-1,2,1,0], [0,2,-1,-2,1,0], [0,4,0,-5,0,1]].
#define INPUT_ROWS(d0, d1, d2, d3, d4, d5, r0, r1, r2, r3, r4, r5)                   \
    do {                                                                              \
        float a_ = (d3) + (d4), b_ = (d1) + (d2), c_ = (d4) - (d3), e_ = (d1) - (d2); \
        float f_ = (d4) - (d2), k_ = (d3) - (d1);                                     \
        r0 = (4.0f * (d0) - 5.0f * (d2)) + (d4);                                      \
        r1 = a_ - 4.0f * b_;                                                          \
        r2 = c_ + 4.0f * e_;                                                          \
        r3 = f_ + 2.0f * k_;                                                          \
        r4 = f_ - 2.0f * k_;                                                          \
        r5 = (4.0f * (d1) - 5.0f * (d3)) + (d5);                                      \
    } while (0)

// A^T applied to six values: A^T = [[1,1,1,1,1,0], [0,1,-1,2,-2,0], [0,1,1,4,4,0], [0,1,-1,8,-8,1]].
#define OUTPUT_ROWS(m0, m1, m2, m3, m4, m5, y0, y1, y2, y3)                           \
    do {                                                                              \
        float p_ = (m1) + (m2), q_ = (m1) - (m2), r_ = (m3) + (m4), s_ = (m3) - (m4); \
        y0 = ((m0) + p_) + r_;                                                        \
        y1 = q_ + 2.0f * s_;                                                          \
        y2 = p_ + 4.0f * r_;                                                          \
        y3 = (q_ + 8.0f * s_) + (m5);                                                 \
    } while (0)

// Stores the 36 values of `lanes` consecutive tiles (from flat tile index i0) of one channel into V in the
// GEMM's packed-B layout: per ξ (stride xs) column panels of nr tiles over all channels (stride `panel`),
// `vc` already offset to the channel. A group crossing a panel boundary is stored in two runs.
static inline __attribute__((always_inline)) void store_panels(float res[36][L], ptrdiff_t lanes, ptrdiff_t i0,
                                                               float *vc, ptrdiff_t nr, ptrdiff_t panel,
                                                               ptrdiff_t xs) {
    for (ptrdiff_t l0 = 0; l0 < lanes;) {
        const ptrdiff_t i = i0 + l0, q = i % nr, n = min_p(lanes - l0, nr - q);
        float *o = vc + i / nr * panel + q;
        if (n == L) {
            for (int xi = 0; xi < 36; xi++)
                for (int l = 0; l < L; l++) o[xi * xs + l] = res[xi][l];
        } else {
            for (int xi = 0; xi < 36; xi++)
                for (ptrdiff_t l = 0; l < n; l++) o[xi * xs + l] = res[xi][l0 + l];
        }
        l0 += n;
    }
}

// The input transform `V[c][ξ][tile] = (B^T d B)[ξ]` (ξ = 6 i + k) of each tile's 6x6 patch `d`, read
// straight from the unpadded image `x[channels][h][w]` (zero padding 1 implied, no padded copy):
// per channel and tile row, a vertical pass (B^T down each column of the six input rows, rows
// outside the image read as +0) over all columns into `s`, stored by column phase (`s[i][p][q]` holds
// padded column 4 q + p, so that tile q's patch columns are s[i][0..3][q] and s[i][0..1][q + 1], all
// contiguous across tiles), then the horizontal pass per 16 tiles: INPUT_ROWS down the columns, then
// INPUT_ROWS along the rows, the same operations for every tile and ISA.
static inline __attribute__((always_inline)) void input_direct_impl(const float *x, ptrdiff_t channels, ptrdiff_t h,
                                                                    ptrdiff_t w, ptrdiff_t ty0, ptrdiff_t rows,
                                                                    ptrdiff_t tiles_x, float *v, ptrdiff_t t,
                                                                    ptrdiff_t nr, ptrdiff_t xs, float *s,
                                                                    const float *zero) {
    const ptrdiff_t qn = tiles_x + 1, qs = (qn + 15) / 16 * 16 + 16;
    // Quads whose four columns 4q-1 .. 4q+2 all lie inside the image: q in [1, q_hi).
    ptrdiff_t q_hi = w >= 3 ? (w - 3) / 4 + 1 : 1;
    if (q_hi > qn) q_hi = qn;
    if (q_hi < 1) q_hi = 1;
    for (ptrdiff_t c = 0; c < channels; c++) {
        const float *xc = x + c * h * w;
        for (ptrdiff_t r = 0; r < rows; r++) {
            const float *row[6];
            for (int i = 0; i < 6; i++) {
                ptrdiff_t iy = 4 * (ty0 + r) - 1 + i;
                row[i] = iy >= 0 && iy < h ? xc + iy * w : zero;
            }
            const float *r0 = row[0] - 1, *r1 = row[1] - 1, *r2 = row[2] - 1, *r3 = row[3] - 1, *r4 = row[4] - 1,
                        *r5 = row[5] - 1;
            // s never aliases the image (it is this thread's scratch).
#pragma clang loop vectorize(assume_safety)
            for (ptrdiff_t q = 1; q < q_hi; q++)
#pragma clang loop unroll(full)
                for (int p = 0; p < 4; p++) {
                    ptrdiff_t col = 4 * q + p;
                    INPUT_ROWS(r0[col], r1[col], r2[col], r3[col], r4[col], r5[col], s[(0 * 4 + p) * qs + q],
                               s[(1 * 4 + p) * qs + q], s[(2 * 4 + p) * qs + q], s[(3 * 4 + p) * qs + q],
                               s[(4 * 4 + p) * qs + q], s[(5 * 4 + p) * qs + q]);
                }
            // Edge quads (q = 0 and q >= q_hi), column by column with the padding read as +0.
            for (ptrdiff_t q = 0; q < qn; q = q == 0 ? q_hi : q + 1)
                for (int p = 0; p < 4; p++) {
                    ptrdiff_t col = 4 * q + p;  // image column col - 1
                    float d[6];
                    for (int i = 0; i < 6; i++) d[i] = col >= 1 && col <= w ? row[i][col - 1] : 0.0f;
                    INPUT_ROWS(d[0], d[1], d[2], d[3], d[4], d[5], s[(0 * 4 + p) * qs + q], s[(1 * 4 + p) * qs + q],
                               s[(2 * 4 + p) * qs + q], s[(3 * 4 + p) * qs + q], s[(4 * 4 + p) * qs + q],
                               s[(5 * 4 + p) * qs + q]);
                }
            float *vc = v + c * nr;
            // With at least L tiles in a row, the last group overlaps the one before (recomputing the
            // same values) instead of running short.
            for (ptrdiff_t tx1 = 0; tx1 < tiles_x; tx1 += L) {
                const ptrdiff_t tx = tiles_x >= L ? min_p(tx1, tiles_x - L) : tx1, lanes = min_p(L, tiles_x - tx);
                float res[36][L];
                for (int i = 0; i < 6; i++) {
                    const float *si = s + i * 4 * qs + tx;
                    for (int l = 0; l < L; l++)
                        INPUT_ROWS(si[l], si[qs + l], si[2 * qs + l], si[3 * qs + l], si[l + 1], si[qs + l + 1],
                                   res[6 * i][l], res[6 * i + 1][l], res[6 * i + 2][l], res[6 * i + 3][l],
                                   res[6 * i + 4][l], res[6 * i + 5][l]);
                }
                store_panels(res, lanes, r * tiles_x + tx, vc, nr, channels * nr, xs);
            }
        }
    }
    // Columns of the last panel past the t tiles: zeros (the GEMM computes and drops them).
    const ptrdiff_t tail = t % nr ? nr - t % nr : 0, last = t / nr * channels * nr + t % nr;
    for (int xi = 0; xi < 36 && tail; xi++)
        for (ptrdiff_t c = 0; c < channels; c++)
            for (ptrdiff_t q = 0; q < tail; q++) v[xi * xs + last + c * nr + q] = 0.0f;
}

static inline __attribute__((always_inline)) float activate(float x, int act, float slope) {
    if (act == 1) return x <= 0 ? 0.0f : x;
    if (act == 2) return x >= 0 ? x : x * slope;
    return x;
}

// `qr[4 l + col] = y[col][l]` for the L = 16 tiles of a group (one output row: each tile's 4 columns in
// turn). Plain loop on every ISA but AVX-512, whose compiler output for it reloads single floats from
// the stack; there a 4 x 16 transpose in registers (unpack, then 128-bit block shuffles). Moves only.
static inline __attribute__((always_inline)) void interleave_scalar(float y[4][L], float *qr) {
    for (int l = 0; l < L; l++)
#pragma clang loop unroll(full)
        for (int col = 0; col < 4; col++) qr[4 * l + col] = y[col][l];
}

#if defined(__x86_64__)
// Not always_inline (the generic and AVX2 instances reference it in a branch their constant removes).
__attribute__((target("avx512f"))) static inline void interleave_avx512(float y[4][L], float *qr) {
    const __m512 y0 = _mm512_loadu_ps(y[0]), y1 = _mm512_loadu_ps(y[1]), y2 = _mm512_loadu_ps(y[2]),
                 y3 = _mm512_loadu_ps(y[3]);
    // Per 128-bit block c: t0 = y0[4c], y1[4c], y0[4c+1], y1[4c+1]; t1 the same for 4c+2, 4c+3.
    const __m512 t0 = _mm512_unpacklo_ps(y0, y1), t1 = _mm512_unpackhi_ps(y0, y1);
    const __m512 t2 = _mm512_unpacklo_ps(y2, y3), t3 = _mm512_unpackhi_ps(y2, y3);
    // Block c of u_e = the four columns of tile 4c + e.
    const __m512 u0 = _mm512_shuffle_ps(t0, t2, 0x44), u1 = _mm512_shuffle_ps(t0, t2, 0xEE);
    const __m512 u2 = _mm512_shuffle_ps(t1, t3, 0x44), u3 = _mm512_shuffle_ps(t1, t3, 0xEE);
    // Output vector c = blocks c of u0, u1, u2, u3 (tiles 4c .. 4c + 3).
    const __m512 v0 = _mm512_shuffle_f32x4(u0, u1, 0x44), v1 = _mm512_shuffle_f32x4(u2, u3, 0x44);
    const __m512 v2 = _mm512_shuffle_f32x4(u0, u1, 0xEE), v3 = _mm512_shuffle_f32x4(u2, u3, 0xEE);
    _mm512_storeu_ps(qr, _mm512_shuffle_f32x4(v0, v1, 0x88));
    _mm512_storeu_ps(qr + 16, _mm512_shuffle_f32x4(v0, v1, 0xDD));
    _mm512_storeu_ps(qr + 32, _mm512_shuffle_f32x4(v2, v3, 0x88));
    _mm512_storeu_ps(qr + 48, _mm512_shuffle_f32x4(v2, v3, 0xDD));
}
#endif

// One group of L tiles of one tile row and one output channel: tiles tx0 .. tx0 + L - 1 (flat index
// `idx` of the first) at image row y0; writes rows y0 .. y0 + nr - 1 of columns 4 tx0 .. 4 tx0 + 4 L - 1.
static inline __attribute__((always_inline)) void output_group(const float *mo, ptrdiff_t t, ptrdiff_t idx, float b,
                                                               const int act, float slope, float *q, ptrdiff_t w,
                                                               ptrdiff_t nr, const int wide) {
    float a[4][6][L];  // a[row][j] = (A^T M)[row][j]
    for (int j = 0; j < 6; j++)
        for (int l = 0; l < L; l++) {
            const float *p = mo + j * t + idx + l;
            OUTPUT_ROWS(p[0], p[6 * t], p[12 * t], p[18 * t], p[24 * t], p[30 * t], a[0][j][l], a[1][j][l],
                        a[2][j][l], a[3][j][l]);
        }
    for (ptrdiff_t row = 0; row < nr; row++) {
        float y[4][L];
        for (int l = 0; l < L; l++) {
            float y0, y1, y2, y3;
            OUTPUT_ROWS(a[row][0][l], a[row][1][l], a[row][2][l], a[row][3][l], a[row][4][l], a[row][5][l], y0, y1,
                        y2, y3);
            y[0][l] = activate(y0 + b, act, slope);
            y[1][l] = activate(y1 + b, act, slope);
            y[2][l] = activate(y2 + b, act, slope);
            y[3][l] = activate(y3 + b, act, slope);
        }
#if defined(__x86_64__)
        if (wide) {
            interleave_avx512(y, q + row * w);
            continue;
        }
#endif
        interleave_scalar(y, q + row * w);
    }
}

// Per output channel and tile row: groups of L tiles lying wholly inside the image columns (the last
// group of a row overlaps the one before rather than running short: its tiles are computed again,
// from the same operands, and written with the same values), then any remaining tiles one by one.
static inline __attribute__((always_inline)) void output_impl(const float *m, ptrdiff_t cout, ptrdiff_t t,
                                                              ptrdiff_t tiles_x, ptrdiff_t first_row, ptrdiff_t h,
                                                              ptrdiff_t w, const float *bias, int act, float slope,
                                                              float *out, const int wide) {
    const ptrdiff_t rows = t / tiles_x, full = min_p(tiles_x, w / 4);  // tiles whose 4 columns are all inside
    for (ptrdiff_t o = 0; o < cout; o++) {
        const float *mo = m + o * 36 * t;
        float *oo = out + o * h * w;
        float b = bias ? bias[o] : 0.0f;
        for (ptrdiff_t r = 0; r < rows; r++) {
            const ptrdiff_t y0 = first_row + 4 * r, nr = min_p(4, h - y0);
            ptrdiff_t done = 0;
            if (full >= L) {
                for (ptrdiff_t tx = 0; tx < full; tx += L) {
                    const ptrdiff_t tx0 = min_p(tx, full - L), i0 = r * tiles_x + tx0;
                    float *q = oo + y0 * w + 4 * tx0;
                    // act as a constant in each call, so that the activation compiles to plain vector
                    // selects (a runtime act gives masked stores that the interleave cannot forward).
                    if (act == 1) output_group(mo, t, i0, b, 1, slope, q, w, nr, wide);
                    else if (act == 2) output_group(mo, t, i0, b, 2, slope, q, w, nr, wide);
                    else output_group(mo, t, i0, b, 0, slope, q, w, nr, wide);
                }
                done = full;
            }
            for (ptrdiff_t tx = done; tx < tiles_x; tx++) {
                const float *p0 = mo + r * tiles_x + tx;
                float a[4][6];
                for (int j = 0; j < 6; j++) {
                    const float *p = p0 + j * t;
                    OUTPUT_ROWS(p[0], p[6 * t], p[12 * t], p[18 * t], p[24 * t], p[30 * t], a[0][j], a[1][j], a[2][j],
                                a[3][j]);
                }
                const ptrdiff_t nc = min_p(4, w - 4 * tx);
                for (ptrdiff_t row = 0; row < nr; row++) {
                    float y[4];
                    OUTPUT_ROWS(a[row][0], a[row][1], a[row][2], a[row][3], a[row][4], a[row][5], y[0], y[1], y[2],
                                y[3]);
                    for (ptrdiff_t col = 0; col < nc; col++) oo[(y0 + row) * w + 4 * tx + col] = activate(y[col] + b, act, slope);
                }
            }
        }
    }
}

#define WINO_FNS(suffix, attr, wide)                                                                                   \
    attr static void input_direct_##suffix(const float *x, ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w,           \
                                           ptrdiff_t ty0, ptrdiff_t rows, ptrdiff_t tiles_x, float *v,             \
                                           ptrdiff_t t, ptrdiff_t nr, ptrdiff_t xs, float *s, const float *zero) { \
        input_direct_impl(x, channels, h, w, ty0, rows, tiles_x, v, t, nr, xs, s, zero);                           \
    }                                                                                                              \
    attr static void output_##suffix(const float *m, ptrdiff_t cout, ptrdiff_t t, ptrdiff_t tiles_x,               \
                                     ptrdiff_t first_row, ptrdiff_t h, ptrdiff_t w, const float *bias, int act,    \
                                     float slope, float *out) {                                                    \
        output_impl(m, cout, t, tiles_x, first_row, h, w, bias, act, slope, out, wide);                            \
    }

WINO_FNS(generic, , 0)
#if defined(__x86_64__)
WINO_FNS(avx2, __attribute__((target("avx2"))), 0)
WINO_FNS(avx512, __attribute__((target("avx512f"))), 1)
#endif

// Calls name_avx512, name_avx2 or name_generic, whichever `isa` (clamped to the CPU) selects.
#if defined(__x86_64__)
#define DISPATCH(isa, name, ...)                                                   \
    do {                                                                           \
        switch (sisr_isa_clamp(isa)) {                                             \
        case SISR_ISA_AVX512: name##_avx512(__VA_ARGS__); return;                  \
        case SISR_ISA_AVX2: name##_avx2(__VA_ARGS__); return;                      \
        default: name##_generic(__VA_ARGS__); return;                              \
        }                                                                          \
    } while (0)
#else
#define DISPATCH(isa, name, ...) name##_generic(__VA_ARGS__)
#endif

void sisr_winograd4_output(int isa, const float *m, ptrdiff_t cout, ptrdiff_t t, ptrdiff_t tiles_x,
                           ptrdiff_t first_row, ptrdiff_t h, ptrdiff_t w, const float *bias, int act, float slope,
                           float *out) {
    DISPATCH(isa, output, m, cout, t, tiles_x, first_row, h, w, bias, act, slope, out);
}

// Per-thread scratch of the direct input transform: the phase-split rows `s` and a zero row.
static _Thread_local float *tls_rows, *tls_zero;
static _Thread_local size_t tls_rows_cap, tls_zero_cap;

static float *grown(float **buf, size_t *cap, size_t count) {
    if (*cap < count) {
        free(*buf);
        *buf = calloc(count, sizeof(float));
        if (!*buf) abort();
        *cap = count;
    }
    return *buf;
}

void sisr_winograd4_input_direct(int isa, const float *x, ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w, ptrdiff_t ty0,
                                 ptrdiff_t rows, ptrdiff_t tiles_x, float *v, ptrdiff_t t, ptrdiff_t nr,
                                 ptrdiff_t xs) {
    const ptrdiff_t qs = (tiles_x + 1 + 15) / 16 * 16 + 16;
    float *s = grown(&tls_rows, &tls_rows_cap, (size_t)(24 * qs));
    const float *zero = grown(&tls_zero, &tls_zero_cap, (size_t)w);  // calloc'd, never written
    DISPATCH(isa, input_direct, x, channels, h, w, ty0, rows, tiles_x, v, t, nr, xs, s, zero);
}
