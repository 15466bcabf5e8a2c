// Winograd F(4x4, 3x3) input and output transforms (the engine's conv2dWinogradF4 in
// Sources/SISREngine/Tensor/WinogradF4.swift runs the GEMMs between them).
//
// Every value is a fixed sequence of float additions, subtractions and multiplications by small
// exact constants (2, 4, 5, 8), written once per tile; the instruction-set variants are the same
// source, auto-vectorised across tiles only (lanes are independent tiles, never parts of one sum),
// compiled with contraction off, so generic, AVX2 and AVX-512 give identical bits.

#include "sisr_kernels.h"

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

static inline __attribute__((always_inline)) void input_impl(const float *pad, ptrdiff_t channels, ptrdiff_t rows,
                                                             ptrdiff_t tiles_x, ptrdiff_t pw, float *v, ptrdiff_t t) {
    ptrdiff_t plane = (4 * rows + 2) * pw;
    for (ptrdiff_t idx = 0; idx < t; idx += L) {
        ptrdiff_t lanes = min_p(L, t - idx);
        ptrdiff_t off[L];
        for (int l = 0; l < L; l++) {
            ptrdiff_t tile = min_p(idx + l, t - 1);
            off[l] = 4 * (tile / tiles_x) * pw + 4 * (tile % tiles_x);
        }
        for (ptrdiff_t c = 0; c < channels; c++) {
            const float *base = pad + c * plane;
            float s[6][6][L];  // s[i][j] = (B^T d)[i][j]
            for (int j = 0; j < 6; j++) {
                float d[6][L];
                for (int i = 0; i < 6; i++)
                    for (int l = 0; l < L; l++) d[i][l] = base[off[l] + i * pw + j];
                for (int l = 0; l < L; l++)
                    INPUT_ROWS(d[0][l], d[1][l], d[2][l], d[3][l], d[4][l], d[5][l], s[0][j][l], s[1][j][l],
                               s[2][j][l], s[3][j][l], s[4][j][l], s[5][j][l]);
            }
            float r[36][L];  // r[6 i + k] = (B^T d B)[i][k]
            for (int i = 0; i < 6; i++)
                for (int l = 0; l < L; l++)
                    INPUT_ROWS(s[i][0][l], s[i][1][l], s[i][2][l], s[i][3][l], s[i][4][l], s[i][5][l],
                               r[6 * i][l], r[6 * i + 1][l], r[6 * i + 2][l], r[6 * i + 3][l], r[6 * i + 4][l],
                               r[6 * i + 5][l]);
            float *o = v + c * 36 * t + idx;
            if (lanes == L) {
                for (int xi = 0; xi < 36; xi++)
                    for (int l = 0; l < L; l++) o[xi * t + l] = r[xi][l];
            } else {
                for (int xi = 0; xi < 36; xi++)
                    for (ptrdiff_t l = 0; l < lanes; l++) o[xi * t + l] = r[xi][l];
            }
        }
    }
}

static inline __attribute__((always_inline)) float activate(float x, int act, float slope) {
    if (act == 1) return x <= 0 ? 0.0f : x;
    if (act == 2) return x >= 0 ? x : x * slope;
    return x;
}

static inline __attribute__((always_inline)) void output_impl(const float *m, ptrdiff_t cout, ptrdiff_t t,
                                                              ptrdiff_t tiles_x, ptrdiff_t first_row, ptrdiff_t h,
                                                              ptrdiff_t w, const float *bias, int act, float slope,
                                                              float *out) {
    for (ptrdiff_t o = 0; o < cout; o++) {
        const float *mo = m + o * 36 * t;
        float *oo = out + o * h * w;
        float b = bias ? bias[o] : 0.0f;
        for (ptrdiff_t idx = 0; idx < t; idx += L) {
            ptrdiff_t lanes = min_p(L, t - idx);
            float a[4][6][L];  // a[row][j] = (A^T M)[row][j]
            for (int j = 0; j < 6; j++)
                for (int l = 0; l < L; l++) {
                    const float *p = mo + j * t + idx + l;
                    OUTPUT_ROWS(p[0], p[6 * t], p[12 * t], p[18 * t], p[24 * t], p[30 * t], a[0][j][l], a[1][j][l],
                                a[2][j][l], a[3][j][l]);
                }
            float y[4][4][L];
            for (int row = 0; row < 4; row++)
                for (int l = 0; l < L; l++) {
                    float y0, y1, y2, y3;
                    OUTPUT_ROWS(a[row][0][l], a[row][1][l], a[row][2][l], a[row][3][l], a[row][4][l], a[row][5][l],
                                y0, y1, y2, y3);
                    y[row][0][l] = activate(y0 + b, act, slope);
                    y[row][1][l] = activate(y1 + b, act, slope);
                    y[row][2][l] = activate(y2 + b, act, slope);
                    y[row][3][l] = activate(y3 + b, act, slope);
                }
            ptrdiff_t row0 = idx / tiles_x, tx0 = idx - row0 * tiles_x, y0 = first_row + 4 * row0;
            if (lanes == L && tx0 + L <= tiles_x && 4 * (tx0 + L) <= w && y0 + 4 <= h) {
                for (int row = 0; row < 4; row++) {
                    float *q = oo + (y0 + row) * w + 4 * tx0;
                    for (int l = 0; l < L; l++)
                        for (int col = 0; col < 4; col++) q[4 * l + col] = y[row][col][l];
                }
                continue;
            }
            for (ptrdiff_t l = 0; l < lanes; l++) {
                ptrdiff_t tile = idx + l, ty = first_row + 4 * (tile / tiles_x), tx = 4 * (tile % tiles_x);
                ptrdiff_t nr = min_p(4, h - ty), nc = min_p(4, w - tx);
                for (ptrdiff_t row = 0; row < nr; row++)
                    for (ptrdiff_t col = 0; col < nc; col++) oo[(ty + row) * w + tx + col] = y[row][col][l];
            }
        }
    }
}

#define WINO_FNS(suffix, attr)                                                                                     \
    attr static void input_##suffix(const float *pad, ptrdiff_t channels, ptrdiff_t rows, ptrdiff_t tiles_x,       \
                                    ptrdiff_t pw, float *v, ptrdiff_t t) {                                         \
        input_impl(pad, channels, rows, tiles_x, pw, v, t);                                                        \
    }                                                                                                              \
    attr static void output_##suffix(const float *m, ptrdiff_t cout, ptrdiff_t t, ptrdiff_t tiles_x,               \
                                     ptrdiff_t first_row, ptrdiff_t h, ptrdiff_t w, const float *bias, int act,    \
                                     float slope, float *out) {                                                    \
        output_impl(m, cout, t, tiles_x, first_row, h, w, bias, act, slope, out);                                  \
    }

WINO_FNS(generic, )
#if defined(__x86_64__)
WINO_FNS(avx2, __attribute__((target("avx2"))))
WINO_FNS(avx512, __attribute__((target("avx512f"))))
#endif

void sisr_winograd4_input(int isa, const float *pad, ptrdiff_t channels, ptrdiff_t rows, ptrdiff_t tiles_x,
                          ptrdiff_t pw, float *v, ptrdiff_t t) {
    switch (sisr_isa_clamp(isa)) {
#if defined(__x86_64__)
    case SISR_ISA_AVX512: input_avx512(pad, channels, rows, tiles_x, pw, v, t); return;
    case SISR_ISA_AVX2: input_avx2(pad, channels, rows, tiles_x, pw, v, t); return;
#endif
    default: input_generic(pad, channels, rows, tiles_x, pw, v, t); return;
    }
}

void sisr_winograd4_output(int isa, const float *m, ptrdiff_t cout, ptrdiff_t t, ptrdiff_t tiles_x,
                           ptrdiff_t first_row, ptrdiff_t h, ptrdiff_t w, const float *bias, int act, float slope,
                           float *out) {
    switch (sisr_isa_clamp(isa)) {
#if defined(__x86_64__)
    case SISR_ISA_AVX512: output_avx512(m, cout, t, tiles_x, first_row, h, w, bias, act, slope, out); return;
    case SISR_ISA_AVX2: output_avx2(m, cout, t, tiles_x, first_row, h, w, bias, act, slope, out); return;
#endif
    default: output_generic(m, cout, t, tiles_x, first_row, h, w, bias, act, slope, out); return;
    }
}
