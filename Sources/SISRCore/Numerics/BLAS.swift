import COpenBLAS

/// The one place OpenBLAS is imported. A small, safe wrapper over single- and double-precision GEMM.
///
/// Matrices are row-major. `C = alpha * op(A) * op(B) + beta * C` with `op(A)` of shape `m x k`,
/// `op(B)` of shape `k x n` and `C` of shape `m x n`. Leading dimensions default to the dense ones.
public enum BLAS {
    /// Number of threads OpenBLAS may use for one call.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
    }

    /// Sets the number of threads OpenBLAS uses for each call (at least 1).
    public static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
    }

    /// Which OpenBLAS kernel is in use (for example "Haswell"), for benchmark reports.
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// Row-major single-precision GEMM on buffers. Bounds are checked before the call.
    public static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafeBufferPointer<Float>, lda: Int? = nil,
        b: UnsafeBufferPointer<Float>, ldb: Int? = nil,
        beta: Float = 0, c: UnsafeMutableBufferPointer<Float>, ldc: Int? = nil
    ) {
        let lda = lda ?? (transA ? m : k)
        let ldb = ldb ?? (transB ? k : n)
        let ldc = ldc ?? n
        guard m > 0, n > 0 else { return }
        precondition(a.count >= (transA ? (k - 1) * lda + m : (m - 1) * lda + k) || k == 0, "sgemm: A too small")
        precondition(b.count >= (transB ? (n - 1) * ldb + k : (k - 1) * ldb + n) || k == 0, "sgemm: B too small")
        precondition(c.count >= (m - 1) * ldc + n, "sgemm: C too small")
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a.baseAddress, Int32(lda), b.baseAddress, Int32(ldb),
            beta, c.baseAddress, Int32(ldc))
    }

    /// Row-major single-precision GEMM on arrays.
    public static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: [Float], b: [Float], beta: Float = 0, c: inout [Float]
    ) {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                          a: pa, b: pb, beta: beta, c: pc)
                }
            }
        }
    }

    /// Row-major double-precision GEMM on arrays.
    public static func dgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Double = 1, a: [Double], b: [Double], beta: Double = 0, c: inout [Double]
    ) {
        guard m > 0, n > 0 else { return }
        let lda = transA ? m : k, ldb = transB ? k : n
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n, "dgemm: buffer too small")
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    cblas_dgemm(
                        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, pa.baseAddress, Int32(lda), pb.baseAddress,
                        Int32(ldb), beta, pc.baseAddress, Int32(n))
                }
            }
        }
    }
}
