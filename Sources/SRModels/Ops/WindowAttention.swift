import SISRCore
import SISREngine

/// Geometry of the (shifted) window attention of a Swin layer on an `H x W` token grid.
///
/// - Windows are `M x M`, ordered row-major over the window grid, tokens row-major inside a window
///   (`N = M*M` tokens).
/// - With shift `s > 0` the grid is cyclically shifted first, `X'[i, k] = X[(i+s) mod H, (k+s) mod W]`,
///   and shifted back afterwards, so token `p = (a, b)` of window `(i, j)` is the original position
///   `((i*M + a + s) mod H, (j*M + b + s) mod W)`.
/// - The shift mask is computed for this actual `H x W` (not the training size): every position of the
///   shifted grid gets the label `r*3 + c` with `r = 0` below row `H-M`, `1` below `H-s`, else `2`
///   (columns alike); tokens with different labels get `-100` added to their logit.
struct WindowGeometry {
    let height: Int, width: Int, window: Int, shift: Int

    init(height: Int, width: Int, window: Int, shift: Int) {
        precondition(height % window == 0 && width % window == 0, "grid must be a multiple of the window")
        self.height = height
        self.width = width
        self.window = window
        self.shift = shift
    }

    var tokensPerWindow: Int { window * window }
    var windowRows: Int { height / window }
    var windowCols: Int { width / window }

    /// Original token index (`y * W + x`) of token `p` of window (`row`, `col`).
    func sourceToken(row: Int, col: Int, token p: Int) -> Int {
        let y = (row * window + p / window + shift) % height
        let x = (col * window + p % window + shift) % width
        return y * width + x
    }

    /// Region label of shifted coordinate `i` on a side of length `n`.
    private func region(_ i: Int, _ n: Int) -> Int {
        i < n - window ? 0 : (i < n - shift ? 1 : 2)
    }

    /// Labels of the tokens of window (`row`, `col`), or nil when no mask applies to it.
    func maskLabels(row: Int, col: Int) -> [Int]? {
        guard shift > 0 else { return nil }
        let labels = (0..<tokensPerWindow).map { p in
            region(row * window + p / window, height) * 3 + region(col * window + p % window, width)
        }
        return labels.allSatisfy { $0 == labels[0] } ? nil : labels
    }
}

/// Multi-head self-attention inside one window with a relative position bias (`WindowAttention` of
/// SwinIR), parameters `qkv` (Linear C -> 3C), `proj` (Linear C -> C) and the bias table.
struct WindowSelfAttention {
    let qkvWeight: Tensor, qkvBias: Tensor, projWeight: Tensor, projBias: Tensor
    let heads: Int
    /// `[heads, N, N]`: `table[index(p, q), h]` with
    /// `index = (hp - hq + M - 1) * (2M - 1) + (wp - wq + M - 1)`.
    let positionBias: [Float]
    let window: Int

    init(_ scope: WeightScope, dim: Int, heads: Int, window m: Int) {
        precondition(dim % heads == 0, "embedding \(dim) not divisible by \(heads) heads")
        qkvWeight = scope["qkv"].tensor("weight", shape: [3 * dim, dim], fanIn: dim)
        qkvBias = scope["qkv"].tensor("bias", shape: [3 * dim], fanIn: dim)
        projWeight = scope["proj"].tensor("weight", shape: [dim, dim], fanIn: dim)
        projBias = scope["proj"].tensor("bias", shape: [dim], fanIn: dim)
        let side = 2 * m - 1
        let table = scope.tensor("relative_position_bias_table", shape: [side * side, heads], fanIn: 1)
        // Recomputed above; the stored integer buffer (if any was loaded) is accepted and ignored.
        _ = scope.store.optionalTensor(scope.key("relative_position_index"))
        let n = m * m
        var bias = [Float](repeating: 0, count: heads * n * n)
        for p in 0..<n {
            for q in 0..<n {
                let idx = (p / m - q / m + m - 1) * side + (p % m - q % m + m - 1)
                for h in 0..<heads { bias[(h * n + p) * n + q] = table.data[idx * heads + h] }
            }
        }
        positionBias = bias
        self.heads = heads
        self.window = m
    }

    var dim: Int { projWeight.shape[0] }

    /// Attention for `count` windows whose tokens are stored consecutively in `x` (`count*N x C`),
    /// writing `count*N x C` into `out`. `labels[w]` is the shift-mask labelling of window `w`, if any.
    /// `qkv` is scratch of `count*N x 3C`, `scores` of `N x N`.
    func callAsFunction(
        _ x: UnsafeBufferPointer<Float>, windows count: Int, labels: [[Int]?],
        qkv: UnsafeMutableBufferPointer<Float>, scores: UnsafeMutableBufferPointer<Float>,
        concat: UnsafeMutableBufferPointer<Float>, out: UnsafeMutableBufferPointer<Float>
    ) {
        let c = dim, n = window * window, hd = c / heads
        let rows = count * n
        TokenOps.linear(x, rows: rows, weight: qkvWeight, bias: qkvBias, into: qkv)
        let scale = 1 / Float(hd).squareRoot()
        for r in 0..<rows {
            for i in 0..<c { qkv[r * 3 * c + i] *= scale }
        }
        let ld = 3 * c
        for w in 0..<count {
            let base = w * n * ld
            for h in 0..<heads {
                let q = UnsafeBufferPointer(rebasing: qkv[(base + h * hd)...])
                let k = UnsafeBufferPointer(rebasing: qkv[(base + c + h * hd)...])
                let v = UnsafeBufferPointer(rebasing: qkv[(base + 2 * c + h * hd)...])
                GEMM.sgemm(transB: true, m: n, n: n, k: hd, a: q, lda: ld, b: k, ldb: ld, c: scores, ldc: n)
                let bOff = h * n * n
                for i in 0..<(n * n) { scores[i] += positionBias[bOff + i] }
                if let lab = labels[w] {
                    for p in 0..<n {
                        for qq in 0..<n where lab[p] != lab[qq] { scores[p * n + qq] += -100 }
                    }
                }
                TokenOps.softmaxRows(scores, rows: n, cols: n)
                GEMM.sgemm(m: n, n: hd, k: n, a: UnsafeBufferPointer(scores), b: v, ldb: ld,
                           c: UnsafeMutableBufferPointer(rebasing: concat[(w * n * c + h * hd)...]), ldc: c)
            }
        }
        Compute.flopCounter?.add(4 * Double(count) * Double(n * n) * Double(c))
        TokenOps.linear(UnsafeBufferPointer(concat), rows: rows, weight: projWeight, bias: projBias, into: out)
    }
}
