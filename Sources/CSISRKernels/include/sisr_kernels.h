// The engine's innermost loops: a single-precision GEMM whose every output element is one sequential
// chain of fused multiply-adds over k = 0, 1, ..., K-1, whatever the instruction set, the blocking or
// the thread that computes it. Vector lanes hold different output elements (never parts of one sum),
// so the generic scalar path, AVX2 and AVX-512 give identical bits; they differ only in speed.
//
// This file is compiled with floating-point contraction off: every multiply-add is written as an
// explicit fma, and nothing else is fused by the compiler.
#ifndef SISR_KERNELS_H
#define SISR_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction-set levels, lowest first. A level is usable only if the CPU has it.
enum {
    SISR_ISA_GENERIC = 0,  ///< portable C, one fmaf per multiply-add (the reference)
    SISR_ISA_AVX2 = 1,     ///< x86-64 AVX2 + FMA
    SISR_ISA_AVX512 = 2,   ///< x86-64 AVX-512F
};

/// The highest level this CPU supports.
int sisr_isa_detect(void);

/// Row-major `C = alpha * (C0 + op(A) op(B))` where `C0` is `C` when `accumulate` is non-zero and 0
/// otherwise. For each element the sum is `fma(a[i][K-1], b[K-1][j], ... fma(a[i][0], b[0][j], C0))`,
/// then multiplied by `alpha` if `alpha != 1`. `op(A)` is `m x k` (`A` stored `k x m` when `trans_a`),
/// `op(B)` is `k x n` (`B` stored `n x k` when `trans_b`). Single-threaded; `isa` is clamped to
/// what the CPU supports.
void sisr_sgemm(int isa, int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
                const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, int accumulate, float *c,
                ptrdiff_t ldc);

/// `isa` lowered to what this CPU supports.
int sisr_isa_clamp(int isa);

/// The `MR x NR` micro-tile of the kernel that `isa` selects (for documentation and benchmarks).
void sisr_sgemm_tile(int isa, int *mr, int *nr);

/// Pre-packed operands, for a caller that reuses A or writes B in this layout itself (Winograd), with the
/// `MR x NR` tile of `isa` (clamped; 1 x 1 for generic): A `m x k` as row panels of MR rows over all of
/// `k`, `pa[(i / MR) * k * MR + p * MR + i % MR] = A[i][p]` (rows past `m` zero, `sisr_sgemm_packed_a_size`
/// floats); B `k x n` as column panels of NR columns, `pb[(j / NR) * k * NR + p * NR + j % NR] = B[p][j]`
/// (columns past `n` must be finite; they are computed and dropped). `sisr_sgemm_packed` then writes
/// `C = A B` (no accumulate, alpha 1) with the same bits as `sisr_sgemm`. Any alignment works; B on 64 bytes is fastest.
ptrdiff_t sisr_sgemm_packed_a_size(int isa, ptrdiff_t m, ptrdiff_t k);
void sisr_sgemm_pack_a(int isa, ptrdiff_t m, ptrdiff_t k, const float *a, ptrdiff_t lda, float *dst);
void sisr_sgemm_packed(int isa, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const float *pa, const float *pb, float *c,
                       ptrdiff_t ldc);

/// glibc only (memory.c): keeps freed memory in the heap and serves large blocks from it rather than
/// from fresh mappings, so that the tensors of one inference after another reuse pages instead of
/// faulting new ones in. Returns 1 if applied. Changes no result; call once, early, from a program.
int sisr_retain_freed_memory(void);

// Deterministic math (math.c): the same bits on every platform and instruction set, about 1 ulp.
float sisr_expf(float x);
float sisr_erff(float x);
double sisr_log(double x);
double sisr_sin(double x);
double sisr_cos(double x);
/// `y[i] = f(x[i])` for `i < n` (`x` and `y` may be the same buffer), vectorised across elements.
void sisr_vexpf(int isa, const float *x, float *y, ptrdiff_t n);
void sisr_verff(int isa, const float *x, float *y, ptrdiff_t n);

// Winograd F(4x4, 3x3) transforms (winograd.c), the same bits on every instruction set.
/// `V[c][ξ][tile] = (B^T d B)[ξ]` (ξ = 6 i + k) for the 6x6 patch `d` of each tile, read straight from
/// the unpadded image `x[channels][h][w]` (zero padding 1 implied),
/// written per ξ as the packed B operand of `sisr_sgemm_packed` with panel width `nr` (that ISA's NR):
/// `v[ξ * xs + (tile / nr) * channels * nr + c * nr + tile % nr]`, the columns of the last panel past
/// `t` set to zero (`xs >= ceil(t / nr) * nr * channels`). The `t = rows * tiles_x` tiles are those of
/// tile rows `ty0 ..< ty0 + rows`; tile `r * tiles_x + q` covers image rows `4 (ty0 + r) - 1 ...` and
/// columns `4 q - 1 ...`. Not reentrant per thread (uses per-thread scratch).
void sisr_winograd4_input_direct(int isa, const float *x, ptrdiff_t channels, ptrdiff_t h, ptrdiff_t w, ptrdiff_t ty0,
                                 ptrdiff_t rows, ptrdiff_t tiles_x, float *v, ptrdiff_t t, ptrdiff_t nr, ptrdiff_t xs);
/// `Y = A^T M A + bias[o]`, then the activation (`act` 0 identity, 1 ReLU, 2 LeakyReLU(`slope`)), for
/// each tile of each output channel of `m[cout][36][t]`, written into `out[cout][h][w]` from image row
/// `first_row` (only the outputs inside the image). `bias` may be NULL. Reads up to 15 floats past `m`'s end.
void sisr_winograd4_output(int isa, const float *m, ptrdiff_t cout, ptrdiff_t t, ptrdiff_t tiles_x,
                           ptrdiff_t first_row, ptrdiff_t h, ptrdiff_t w, const float *bias, int act, float slope,
                           float *out);

#ifdef __cplusplus
}
#endif

#endif
