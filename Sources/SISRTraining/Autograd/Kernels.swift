import Foundation
import SISRCore

/// The one place training code multiplies matrices and calls transcendental functions, so that the
/// engine's deterministic GEMM and math can be swapped in here alone.
///
/// Every call is single-threaded; callers split work over independent outputs (images, channels), so
/// results do not depend on the thread count. Reductions across images are summed by the callers in a
/// fixed order.
enum Kernels {
    private static let blasSingleThreaded: Void = { BLAS.setThreads(1) }()

    /// Row-major `C = op(A) * op(B) + beta * C`.
    static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        a: UnsafeBufferPointer<Float>, lda: Int? = nil, b: UnsafeBufferPointer<Float>, ldb: Int? = nil,
        beta: Float = 0, c: UnsafeMutableBufferPointer<Float>, ldc: Int? = nil
    ) {
        _ = blasSingleThreaded
        if k == 0 {
            if beta == 0 { for i in 0..<(m * (ldc ?? n)) where i < c.count { c[i] = 0 } }
            return
        }
        BLAS.sgemm(
            transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c,
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

    static func exp(_ x: Float) -> Float { Foundation.exp(x) }
    static func log1p(_ x: Float) -> Float { Foundation.log1p(x) }
    static func log(_ x: Double) -> Double { Foundation.log(x) }
}
