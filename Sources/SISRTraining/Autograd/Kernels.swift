import SRModels

/// The one place training code multiplies matrices and calls transcendental functions: the engine's
/// deterministic GEMM (each output one sequential FMA chain, same bits on every ISA and thread count)
/// and its own math (no libm).
///
/// Every call is single-threaded; callers split work over independent outputs (images, channels), so
/// results do not depend on the thread count. Reductions across images are summed by the callers in a
/// fixed order.
enum Kernels {
    /// Row-major `C = op(A) * op(B)` (`accumulate`: `C += ...`).
    static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        a: UnsafeBufferPointer<Float>, lda: Int? = nil, b: UnsafeBufferPointer<Float>, ldb: Int? = nil,
        accumulate: Bool = false, c: UnsafeMutableBufferPointer<Float>, ldc: Int? = nil
    ) {
        GEMM.sgemm(
            transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, accumulate: accumulate, c: c,
            ldc: ldc)
    }

    /// `base^n` by binary exponentiation (a fixed sequence of Double multiplications; within a few ulps
    /// of Python's `base ** n`).
    static func power(_ base: Double, _ n: Int) -> Double {
        var (r, b, e) = (1.0, base, n)
        while e > 0 {
            if e & 1 == 1 { r *= b }
            b *= b
            e >>= 1
        }
        return r
    }

    static func exp(_ x: Float) -> Float { DMath.exp(x) }
    static func log(_ x: Double) -> Double { DMath.log(x) }
}

/// Base-10 logarithm from the engine's `log` (PSNR, plot axes).
func log10d(_ x: Double) -> Double { DMath.log(x) / DMath.log(10.0) }
