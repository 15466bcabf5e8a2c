import SISRCore
import SISREngine

/// `nn.LayerNorm(C)` parameters (eps 1e-5).
struct LayerNorm {
    let weight: [Float], bias: [Float]

    init(_ scope: WeightScope, features c: Int) {
        weight = scope.tensor("weight", shape: [c], fanIn: 1).data
        bias = scope.tensor("bias", shape: [c], fanIn: 1).data
    }

    func callAsFunction(_ x: UnsafeBufferPointer<Float>, rows: Int, into y: UnsafeMutableBufferPointer<Float>) {
        TokenOps.layerNorm(x, rows: rows, features: weight.count, weight: weight, bias: bias, into: y)
    }

    /// In place over a whole token matrix, in parallel over fixed row blocks.
    func apply(_ t: inout [Float]) {
        let c = weight.count, rows = t.count / c
        t.withUnsafeMutableBufferPointer { buf in
            let box = UncheckedSendable(buf)
            Compute.forEachChunk(count: rows, chunk: 1024) { r in
                let slice = UnsafeMutableBufferPointer(rebasing: box.value[(r.lowerBound * c)..<(r.upperBound * c)])
                self(UnsafeBufferPointer(slice), rows: r.count, into: slice)
            }
        }
    }
}

/// One Swin transformer layer (`SwinTransformerBlock`): shifted-window attention and an MLP, both
/// pre-norm with residuals, operating in place on the `H*W x C` token matrix.
struct SwinTransformerLayer {
    let norm1: LayerNorm, norm2: LayerNorm
    let attention: WindowSelfAttention
    let fc1Weight: Tensor, fc1Bias: Tensor, fc2Weight: Tensor, fc2Bias: Tensor
    let window: Int, shift: Int

    init(_ scope: WeightScope, dim: Int, heads: Int, window: Int, shift: Int, mlpRatio: Double) {
        norm1 = LayerNorm(scope["norm1"], features: dim)
        attention = WindowSelfAttention(scope["attn"], dim: dim, heads: heads, window: window)
        norm2 = LayerNorm(scope["norm2"], features: dim)
        let hidden = Int(Double(dim) * mlpRatio)
        fc1Weight = scope["mlp"]["fc1"].tensor("weight", shape: [hidden, dim], fanIn: dim)
        fc1Bias = scope["mlp"]["fc1"].tensor("bias", shape: [hidden], fanIn: dim)
        fc2Weight = scope["mlp"]["fc2"].tensor("weight", shape: [dim, hidden], fanIn: hidden)
        fc2Bias = scope["mlp"]["fc2"].tensor("bias", shape: [dim], fanIn: hidden)
        // The stored mask only fits the training size; it is recomputed for every input.
        if shift > 0 { _ = scope.store.optionalTensor(scope.key("attn_mask")) }
        self.window = window
        self.shift = shift
    }

    var dim: Int { fc2Weight.shape[0] }

    func callAsFunction(_ t: inout [Float], height: Int, width: Int) {
        attend(&t, height: height, width: width)
        mlp(&t)
    }

    /// `T += unshift(merge(attn(partition(shift(LN1(T))))))`. Work items are rows of windows; each item
    /// reads and writes only its own windows' tokens.
    private func attend(_ t: inout [Float], height: Int, width: Int) {
        let geo = WindowGeometry(height: height, width: width, window: window, shift: shift)
        let c = dim, n = geo.tokensPerWindow, count = geo.windowCols, rows = count * n
        t.withUnsafeMutableBufferPointer { buf in
            let box = UncheckedSendable(buf)
            Compute.forEachWorker(items: geo.windowRows) { _, items in
                var x = [Float](repeating: 0, count: rows * c)
                var qkv = [Float](repeating: 0, count: rows * 3 * c)
                var scores = [Float](repeating: 0, count: n * n)
                var concat = [Float](repeating: 0, count: rows * c)
                var out = [Float](repeating: 0, count: rows * c)
                let tokens = box.value
                for wr in items {
                    var sources = [Int](repeating: 0, count: rows)
                    var labels: [[Int]?] = []
                    for wc in 0..<count {
                        labels.append(geo.maskLabels(row: wr, col: wc))
                        for p in 0..<n { sources[wc * n + p] = geo.sourceToken(row: wr, col: wc, token: p) }
                    }
                    x.withUnsafeMutableBufferPointer { px in
                        for (r, s) in sources.enumerated() {
                            for i in 0..<c { px[r * c + i] = tokens[s * c + i] }
                        }
                        norm1(UnsafeBufferPointer(px), rows: rows, into: px)
                        qkv.withUnsafeMutableBufferPointer { pq in
                            scores.withUnsafeMutableBufferPointer { ps in
                                concat.withUnsafeMutableBufferPointer { pc in
                                    out.withUnsafeMutableBufferPointer { po in
                                        attention(UnsafeBufferPointer(px), windows: count, labels: labels,
                                                  qkv: pq, scores: ps, concat: pc, out: po)
                                    }
                                }
                            }
                        }
                    }
                    for (r, s) in sources.enumerated() {
                        for i in 0..<c { tokens[s * c + i] += out[r * c + i] }
                    }
                }
            }
        }
    }

    /// `T += fc2(GELU(fc1(LN2(T))))`, in fixed blocks of rows.
    private func mlp(_ t: inout [Float]) {
        let c = dim, hidden = fc1Weight.shape[0], total = t.count / c, block = 1024
        t.withUnsafeMutableBufferPointer { buf in
            let box = UncheckedSendable(buf)
            Compute.forEachWorker(items: (total + block - 1) / block) { _, items in
                var x = [Float](repeating: 0, count: block * c)
                var h = [Float](repeating: 0, count: block * hidden)
                var y = [Float](repeating: 0, count: block * c)
                for item in items {
                    let r0 = item * block, rows = min(block, total - r0)
                    let src = UnsafeBufferPointer(rebasing: box.value[(r0 * c)..<((r0 + rows) * c)])
                    x.withUnsafeMutableBufferPointer { px in
                        h.withUnsafeMutableBufferPointer { ph in
                            y.withUnsafeMutableBufferPointer { py in
                                norm2(src, rows: rows, into: px)
                                TokenOps.linear(UnsafeBufferPointer(px), rows: rows, weight: fc1Weight, bias: fc1Bias, into: ph)
                                TokenOps.gelu(UnsafeMutableBufferPointer(rebasing: ph[0..<(rows * hidden)]))
                                TokenOps.linear(UnsafeBufferPointer(ph), rows: rows, weight: fc2Weight, bias: fc2Bias, into: py)
                            }
                        }
                    }
                    for i in 0..<(rows * c) { box.value[r0 * c + i] += y[i] }
                }
            }
        }
    }
}

/// The convolution closing a residual Swin transformer block: `1conv` (3x3 C -> C) or `3conv`
/// (3x3 C -> C/4, LeakyReLU 0.2, 1x1, LeakyReLU 0.2, 3x3 C/4 -> C), as `conv` / `conv.0,2,4`.
struct ResidualConnection {
    let convs: [Conv2d]

    init(_ scope: WeightScope, kind: String, dim: Int) {
        if kind == "3conv" {
            convs = [
                Conv2d(scope[0], in: dim, out: dim / 4, kernel: 3), Conv2d(scope[2], in: dim / 4, out: dim / 4, kernel: 1),
                Conv2d(scope[4], in: dim / 4, out: dim, kernel: 3),
            ]
        } else {
            convs = [Conv2d(scope, in: dim, out: dim, kernel: 3)]
        }
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        var y = x
        for (i, conv) in convs.enumerated() { y = conv(y, i < convs.count - 1 ? .leakyReLU(0.2) : .identity) }
        return y
    }
}

/// A residual Swin transformer block: `T + embed(conv(unembed(layers(T))))`.
struct RSTB {
    let layers: [SwinTransformerLayer]
    let conv: ResidualConnection

    init(_ scope: WeightScope, config: SwinIRConfig, depth: Int, heads: Int) {
        let (window, shift) = config.effectiveWindow
        layers = (0..<depth).map { j in
            SwinTransformerLayer(scope["residual_group"]["blocks"][j], dim: config.embedDim, heads: heads,
                                 window: window, shift: j % 2 == 0 ? 0 : shift, mlpRatio: config.mlpRatio)
        }
        conv = ResidualConnection(scope["conv"], kind: config.resiConnection, dim: config.embedDim)
    }

    func callAsFunction(_ t: inout [Float], height: Int, width: Int) {
        let c = conv.convs[0].inChannels
        var u = t
        for layer in layers { layer(&u, height: height, width: width) }
        let y = TokenLayout.tokens(conv(TokenLayout.image(u, channels: c, height: height, width: width)))
        u = []
        for i in 0..<t.count { t[i] += y[i] }
    }
}
