import Foundation
import SISRCore

/// Row-wise operations on token matrices: `rows x features` float32, row-major (token-major), the
/// layout PyTorch uses for `(B, L, C)` activations of transformer blocks.
///
/// These functions work on buffers so that callers can apply them to slices of a larger matrix
/// without copying; they are single-threaded (callers split work into items themselves).
package enum TokenOps {
    /// `PyTorch nn.Linear`: `y[r, o] = sum_i x[r, i] * weight[o, i] + bias[o]`.
    /// `x` is `rows x inFeatures` (leading dimension `ldx`), `y` is `rows x outFeatures` (`ldy`).
    package static func linear(
        _ x: UnsafeBufferPointer<Float>, rows: Int, ldx: Int? = nil, weight: Tensor, bias: Tensor?,
        into y: UnsafeMutableBufferPointer<Float>, ldy: Int? = nil
    ) {
        let (outF, inF) = (weight.shape[0], weight.shape[1])
        let ldy = ldy ?? outF
        weight.data.withUnsafeBufferPointer { pw in
            GEMM.sgemm(transB: true, m: rows, n: outF, k: inF, a: x, lda: ldx ?? inF, b: pw, ldb: inF,
                       c: y, ldc: ldy)
        }
        Compute.flopCounter?.add(2 * Double(rows) * Double(outF) * Double(inF))
        if let bias {
            bias.data.withUnsafeBufferPointer { pb in
                for r in 0..<rows {
                    let base = r * ldy
                    for o in 0..<outF { y[base + o] += pb[o] }
                }
            }
        }
    }

    /// `nn.LayerNorm(features)` (eps 1e-5, affine) applied to every row, from `x` into `y`
    /// (which may be the same memory). Statistics are accumulated in double precision, each row's sums
    /// in feature order; eight rows run side by side (one SIMD lane each), which overlaps the rows'
    /// addition chains and changes no bit.
    package static func layerNorm(
        _ x: UnsafeBufferPointer<Float>, rows: Int, features c: Int, weight: [Float], bias: [Float],
        eps: Double = 1e-5, into y: UnsafeMutableBufferPointer<Float>
    ) {
        let px = x.baseAddress!
        var r0 = 0
        while r0 < rows {
            let lanes = min(8, rows - r0)
            // Rows past the end repeat the last row (their results are dropped).
            var base = SIMD8<Int>()
            for l in 0..<8 { base[l] = (r0 + min(l, lanes - 1)) * c }
            @inline(__always) func column(_ i: Int) -> SIMD8<Double> {
                var v = SIMD8<Double>()
                for l in 0..<8 { v[l] = Double(px[base[l] + i]) }
                return v
            }
            var sum = SIMD8<Double>()
            for i in 0..<c { sum += column(i) }
            let mean = sum / Double(c)
            var sq = SIMD8<Double>()
            for i in 0..<c {
                let d = column(i) - mean
                sq += d * d
            }
            var inv = SIMD8<Double>()
            for l in 0..<8 { inv[l] = 1 / (sq[l] / Double(c) + eps).squareRoot() }
            for l in 0..<lanes {
                let b = base[l], m = mean[l], k = inv[l]
                for i in 0..<c {
                    y[b + i] = Float((Double(px[b + i]) - m) * k) * weight[i] + bias[i]
                }
            }
            r0 += lanes
        }
    }

    /// Exact GELU, `0.5 x (1 + erf(x / sqrt 2))` (PyTorch `approximate='none'`), in place.
    package static func gelu(_ x: UnsafeMutableBufferPointer<Float>) {
        let invSqrt2: Float = 0.70710678118654752440
        ScratchPool.shared.with(count: x.count) { e in
            for i in 0..<x.count { e[i] = x[i] * invSqrt2 }
            DMath.erf(inPlace: e)
            for i in 0..<x.count { x[i] = 0.5 * x[i] * (1 + e[i]) }
        }
    }

    /// Softmax of each row of a `rows x cols` matrix (leading dimension `ld`), in place. Each row's sum
    /// runs in column order; eight rows are summed side by side (one SIMD lane each), which overlaps the
    /// rows' addition chains and changes no bit.
    package static func softmaxRows(_ s: UnsafeMutableBufferPointer<Float>, rows: Int, cols: Int, ld: Int? = nil) {
        let ld = ld ?? cols
        let ps = s.baseAddress!
        var r0 = 0
        while r0 < rows {
            let lanes = min(8, rows - r0)
            for l in 0..<lanes {
                let row = ps + (r0 + l) * ld
                var m = -Float.infinity
                for j in 0..<cols { m = max(m, row[j]) }
                for j in 0..<cols { row[j] -= m }
                DMath.exp(inPlace: UnsafeMutableBufferPointer(start: row, count: cols))
            }
            var base = SIMD8<Int>()
            for l in 0..<8 { base[l] = (r0 + min(l, lanes - 1)) * ld }
            var sum = SIMD8<Float>()
            for j in 0..<cols {
                var v = SIMD8<Float>()
                for l in 0..<8 { v[l] = ps[base[l] + j] }
                sum += v
            }
            for l in 0..<lanes {
                let row = ps + base[l], inv = 1 / sum[l]
                for j in 0..<cols { row[j] *= inv }
            }
            r0 += lanes
        }
    }

    /// `log(sum_j exp(s[r, j]))` of each row, as `torch.logsumexp` (max-shifted).
    package static func logSumExp(_ s: UnsafeBufferPointer<Float>, cols: Int, row r: Int) -> Float {
        let base = r * cols
        var m = -Float.infinity
        for j in 0..<cols { m = max(m, s[base + j]) }
        if m == -Float.infinity { return m }
        var sum: Float = 0
        for j in 0..<cols { sum += DMath.exp(s[base + j] - m) }
        return m + DMath.log(sum)
    }
}

/// Conversions between NCHW images (batch 1) and token matrices `[H*W, C]` (row-major pixel order),
/// PyTorch's `flatten(2).transpose(1, 2)` and its inverse.
package enum TokenLayout {
    /// `[1, C, H, W]` -> `H*W x C` tokens.
    package static func tokens(_ x: Tensor) -> [Float] {
        let (n, c, h, w) = x.nchw
        precondition(n == 1, "token layout expects batch 1")
        let l = h * w
        var out = [Float](repeating: 0, count: l * c)
        x.data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for ch in 0..<c {
                    let s = ch * l
                    for p in 0..<l { dst[p * c + ch] = src[s + p] }
                }
            }
        }
        return out
    }

    /// `H*W x C` tokens -> `[1, C, H, W]`.
    package static func image(_ t: [Float], channels c: Int, height h: Int, width w: Int) -> Tensor {
        let l = h * w
        precondition(t.count == l * c, "token matrix does not match \(c)x\(h)x\(w)")
        return Tensor.filled(shape: [1, c, h, w]) { dst in
            t.withUnsafeBufferPointer { src in
                for ch in 0..<c {
                    let d = ch * l
                    for p in 0..<l { dst[d + p] = src[p * c + ch] }
                }
            }
        }
    }
}
