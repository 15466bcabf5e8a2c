import CSISRKernels

// The one place the C kernels (Sources/CSISRKernels) are imported: the matrix product, the Winograd
// F(4x4, 3x3) transforms and the deterministic math.

/// The engine's matrix product.
///
/// Every output element is one sequential chain of fused multiply-adds over `k = 0 ..< K`, started
/// from zero (or from `C` with `accumulate`), then multiplied by `alpha` when it is not 1. Vector lanes
/// and threads hold different outputs, never parts of one sum, so the result is the same bits on every
/// instruction set (``ISA``), for any blocking and any thread count. Single-threaded: callers split work
/// into items themselves (``Compute``).
public enum GEMM {
    /// Row-major `C = alpha * (C0 + op(A) op(B))`, `C0 = accumulate ? C : 0`; `op(A)` is `m x k`,
    /// `op(B)` is `k x n`. Leading dimensions default to the dense ones. Bounds are checked before the
    /// call. Runs on the instruction set of ``EngineSettings/current``.
    public static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafeBufferPointer<Float>, lda: Int? = nil,
        b: UnsafeBufferPointer<Float>, ldb: Int? = nil,
        accumulate: Bool = false, c: UnsafeMutableBufferPointer<Float>, ldc: Int? = nil
    ) {
        let lda = lda ?? (transA ? m : k)
        let ldb = ldb ?? (transB ? k : n)
        let ldc = ldc ?? n
        guard m > 0, n > 0 else { return }
        precondition(k == 0 || a.count >= (transA ? (k - 1) * lda + m : (m - 1) * lda + k), "sgemm: A too small")
        precondition(k == 0 || b.count >= (transB ? (n - 1) * ldb + k : (k - 1) * ldb + n), "sgemm: B too small")
        precondition(c.count >= (m - 1) * ldc + n, "sgemm: C too small")
        sisr_sgemm(
            Int32(EngineSettings.current.isa.level), transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha,
            a.baseAddress, lda, b.baseAddress, ldb, accumulate ? 1 : 0, c.baseAddress, ldc)
    }

    /// ``sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:accumulate:c:ldc:)`` on arrays (dense layouts).
    public static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: [Float], b: [Float], accumulate: Bool = false, c: inout [Float]
    ) {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: pa, b: pb,
                          accumulate: accumulate, c: pc)
                }
            }
        }
    }

    /// `A` (`count` matrices of `m x k`, one after another) in the packed-A layout of the instruction set
    /// of ``EngineSettings/current`` (`sisr_kernels.h`), each taking ``packedASize(m:k:)`` floats.
    package static func packA(_ a: [Float], count: Int, m: Int, k: Int) -> [Float] {
        let isa = Int32(EngineSettings.current.isa.level), size = packedASize(m: m, k: k)
        precondition(a.count >= count * m * k, "packA: A too small")
        return [Float](unsafeUninitializedCapacity: count * size) { out, done in
            a.withUnsafeBufferPointer { pa in
                for i in 0..<count { sisr_sgemm_pack_a(isa, m, k, pa.baseAddress! + i * m * k, k, out.baseAddress! + i * size) }
            }
            done = count * size
        }
    }

    /// Floats of one packed `m x k` A operand on the instruction set of ``EngineSettings/current``.
    package static func packedASize(m: Int, k: Int) -> Int { sisr_sgemm_packed_a_size(Int32(EngineSettings.current.isa.level), m, k) }

    /// `C = A B` (`m x n`, leading dimension `ldc`) from A packed by ``packA(_:count:m:k:)`` and B
    /// `k x n` packed in column panels of ``tile(_:)``'s width (`sisr_kernels.h`); the same bits as
    /// ``sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:accumulate:c:ldc:)``. Unchecked: for kernels' drivers.
    package static func sgemmPacked(
        m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        sisr_sgemm_packed(Int32(EngineSettings.current.isa.level), m, n, k, a, b, c, ldc)
    }

    /// The highest instruction set this CPU supports.
    public static var detectedISA: ISA { ISA(level: Int(sisr_isa_detect())) }

    /// `(rows, columns)` of the micro-tile the kernel for `isa` computes per step.
    public static func tile(_ isa: ISA) -> (rows: Int, columns: Int) {
        var mr: Int32 = 0, nr: Int32 = 0
        sisr_sgemm_tile(Int32(isa.level), &mr, &nr)
        return (Int(mr), Int(nr))
    }
}

/// Process-wide memory behaviour for programs that run networks.
public enum EngineMemory {
    /// Keeps freed memory in the C heap and serves large blocks from it (glibc; elsewhere a no-op), so
    /// that each layer's output reuses the pages of tensors freed before it instead of page-faulting
    /// fresh ones (about 10% of inference time otherwise). The footprint stays at its peak. For a
    /// program's start (the `sisr` command calls it), not for a library. Returns whether it applied.
    @discardableResult
    public static func retainFreedMemory() -> Bool { sisr_retain_freed_memory() != 0 }
}

/// Transcendental functions that give the same bits on every platform and instruction set (about 1 ulp;
/// see `Sources/CSISRKernels/math.c`). Use these, never Foundation's, in anything whose output reaches
/// a release or a checkpoint: libm differs between platforms and versions.
public enum DMath {
    public static func exp(_ x: Float) -> Float { sisr_expf(x) }
    public static func erf(_ x: Float) -> Float { sisr_erff(x) }
    /// Natural logarithm in binary32 (computed in binary64, rounded once).
    public static func log(_ x: Float) -> Float { Float(sisr_log(Double(x))) }
    public static func log(_ x: Double) -> Double { sisr_log(x) }
    /// Sine and cosine for |x| < 2^26 (NaN beyond).
    public static func sin(_ x: Double) -> Double { sisr_sin(x) }
    public static func cos(_ x: Double) -> Double { sisr_cos(x) }
    /// `1 / (1 + exp(-x))`.
    public static func sigmoid(_ x: Float) -> Float { 1 / (1 + sisr_expf(-x)) }

    /// `x[i] = exp(x[i])`, vectorised on the instruction set of ``EngineSettings/current``.
    public static func exp(inPlace x: UnsafeMutableBufferPointer<Float>) {
        guard let p = x.baseAddress else { return }
        sisr_vexpf(Int32(EngineSettings.current.isa.level), p, p, x.count)
    }

    /// `x[i] = erf(x[i])`, vectorised on the instruction set of ``EngineSettings/current``.
    public static func erf(inPlace x: UnsafeMutableBufferPointer<Float>) {
        guard let p = x.baseAddress else { return }
        sisr_verff(Int32(EngineSettings.current.isa.level), p, p, x.count)
    }
}

/// The Winograd F(4x4, 3x3) transforms in C (`Sources/CSISRKernels/winograd.c`): fixed sequences of
/// float operations per tile, vectorised across tiles on the instruction set of ``EngineSettings/current``,
/// the same bits on every one.
package enum WinogradKernels {
    /// V for the `rows * tilesX` tiles of tile rows `firstTileRow ..< firstTileRow + rows`, read straight
    /// from the image `x[channels][h][w]` with its zero padding of 1 implied (no padded copy), written per
    /// ξ (`xiStride` floats apart) as the packed B operand of ``GEMM/sgemmPacked(m:n:k:a:b:c:ldc:)``.
    package static func input(
        _ x: UnsafePointer<Float>, channels: Int, height h: Int, width w: Int, firstTileRow ty0: Int, rows: Int,
        tilesX: Int, into v: UnsafeMutablePointer<Float>, xiStride: Int
    ) {
        let isa = EngineSettings.current.isa
        sisr_winograd4_input_direct(
            Int32(isa.level), x, channels, h, w, ty0, rows, tilesX, v, rows * tilesX, GEMM.tile(isa).columns, xiStride)
    }

    /// `A^T M A + bias`, then `activation`, from `m[cout][36][t]` into the image rows from `firstRow` of
    /// `out[cout][h][w]`. `m` must have 16 readable floats past its end.
    package static func output(
        _ m: UnsafePointer<Float>, channels cout: Int, tiles t: Int, tilesX: Int, firstRow: Int, height h: Int,
        width w: Int, bias: UnsafePointer<Float>?, _ activation: Activation, into out: UnsafeMutablePointer<Float>
    ) {
        let (act, slope): (Int32, Float) = switch activation {
        case .identity: (0, 0)
        case .relu: (1, 0)
        case let .leakyReLU(s): (2, s)
        }
        sisr_winograd4_output(
            Int32(EngineSettings.current.isa.level), m, cout, t, tilesX, firstRow, h, w, bias, act, slope, out)
    }
}
