import SISRCore
import SISREngine

/// The query side of LIIF for a `outHeight x outWidth` target over an `featureHeight x featureWidth`
/// feature map, with the official float32 arithmetic:
/// - target coordinates are `make_coord` cell centres, `(-1 + 1/n) + (2/n) * i`;
/// - each ensemble member shifts a coordinate by `v / n + 1e-6` (`v` = -1, +1), clamps it into
///   `(-1 + 1e-6, 1 - 1e-6)` and picks the feature cell by `grid_sample(mode='nearest',
///   align_corners=False)`, i.e. `round_half_even(((c + 1) * n - 1) / 2)`;
/// - the relative coordinate `(c - centre) * n` and the relative cell `(2 / N) * n` join the feature;
/// - predictions are blended with the area of the diagonally opposite member (`|dy * dx| + 1e-9`)
///   over the total. Rows and columns are independent, so each is prepared once per axis.
struct LIIFQuery {
    let featureHeight: Int, featureWidth: Int, outHeight: Int, outWidth: Int
    let localEnsemble: Bool, cellDecode: Bool

    /// One axis of one ensemble member at one target index: the feature index and relative coordinate.
    struct Tap {
        let index: Int
        let relative: Float
    }

    /// `make_coord` for one axis of length `n`.
    static func centres(_ n: Int) -> [Float] {
        let r = 1.0 / Double(n)
        let start = Float(-1 + r), step = Float(2 * r)
        return (0..<n).map { start + step * Float($0) }
    }

    /// The taps of every target index along one axis, for the offsets `vs`.
    static func taps(out: Int, feature n: Int, offsets vs: [Double], eps: Double) -> [[Tap]] {
        let targets = centres(out), cells = centres(n)
        let radius = 1.0 / Double(n)
        let lo = Float(-1 + 1e-6), hi = Float(1 - 1e-6)
        return vs.map { v in
            let shift = Float(v * radius + eps)
            return targets.map { c in
                let moved = min(max(c + shift, lo), hi)
                let position = ((moved + 1) * Float(n) - 1) / 2
                let i = min(max(Int(position.rounded(.toNearestOrEven)), 0), n - 1)
                return Tap(index: i, relative: (c - cells[i]) * Float(n))
            }
        }
    }

    /// The `outHeight x outWidth` RGB prediction `[1, 3, H, W]` (before de-normalisation), given the first
    /// layer's feature part per feature cell and the MLP (first layer's remaining columns are the
    /// relative coordinate and cell).
    func decode(cellInputs: (values: [Float], width: Int), layers: [(weight: Tensor, bias: Tensor)]) -> Tensor {
        let offsets: [Double] = localEnsemble ? [-1, 1] : [0]
        let eps = localEnsemble ? 1e-6 : 0
        let rows = Self.taps(out: outHeight, feature: featureHeight, offsets: offsets, eps: eps)
        let cols = Self.taps(out: outWidth, feature: featureWidth, offsets: offsets, eps: eps)
        let members = offsets.indices.flatMap { a in offsets.indices.map { b in (a, b) } }
        let cellY = Float(2.0 / Double(outHeight)) * Float(featureHeight)
        let cellX = Float(2.0 / Double(outWidth)) * Float(featureWidth)
        let (w1, hidden0) = (layers[0].weight, cellInputs.width)
        // Columns of the first layer after the feature part: relative coordinate (y, x), then cell (y, x).
        let inDim = w1.shape[1], featureColumns = inDim - (cellDecode ? 4 : 2)
        let column = (0..<4).map { j in (0..<hidden0).map { o in j < inDim - featureColumns ? w1.data[o * inDim + featureColumns + j] : 0 } }
        let plane = outHeight * outWidth
        let chunk = 512, items = (plane + chunk - 1) / chunk
        let last = layers.count - 1
        var out = [Float](repeating: 0, count: 3 * plane)
        out.withUnsafeMutableBufferPointer { po in
            let box = UncheckedSendable(po)
            Compute.forEachWorker(items: items) { _, its in
                var act = [Float](repeating: 0, count: chunk * (layers.map { $0.weight.shape[0] }.max() ?? 1))
                var next = act
                var preds = [[Float]](repeating: [Float](repeating: 0, count: chunk * 3), count: members.count)
                var areas = [[Float]](repeating: [Float](repeating: 0, count: chunk), count: members.count)
                for it in its {
                    let q0 = it * chunk, n = min(chunk, plane - q0)
                    for (m, (a, b)) in members.enumerated() {
                        // First layer: per-cell feature part plus the coordinate / cell columns.
                        for q in 0..<n {
                            let (y, x) = ((q0 + q) / outWidth, (q0 + q) % outWidth)
                            let ty = rows[a][y], tx = cols[b][x]
                            let base = (ty.index * featureWidth + tx.index) * hidden0
                            for o in 0..<hidden0 {
                                var v = cellInputs.values[base + o] + column[0][o] * ty.relative + column[1][o] * tx.relative
                                if cellDecode { v += column[2][o] * cellY + column[3][o] * cellX }
                                act[q * hidden0 + o] = last == 0 ? v : max(v, 0)
                            }
                            areas[m][q] = abs(ty.relative * tx.relative) + 1e-9
                        }
                        var width = hidden0
                        for l in 1..<layers.count {
                            let outW = layers[l].weight.shape[0]
                            act.withUnsafeBufferPointer { pa in
                                next.withUnsafeMutableBufferPointer { pn in
                                    TokenOps.linear(pa, rows: n, ldx: width, weight: layers[l].weight, bias: layers[l].bias, into: pn, ldy: outW)
                                    if l < last { for i in 0..<(n * outW) { pn[i] = max(pn[i], 0) } }
                                }
                            }
                            swap(&act, &next)
                            width = outW
                        }
                        for i in 0..<(n * 3) { preds[m][i] = act[i] }
                    }
                    for q in 0..<n {
                        var total: Float = 0
                        for m in members.indices { total += areas[m][q] }
                        for ch in 0..<3 {
                            var v: Float = 0
                            for m in members.indices {
                                // Each member is weighted by the area of the diagonally opposite one.
                                v += preds[m][q * 3 + ch] * (areas[members.count - 1 - m][q] / total)
                            }
                            box.value[ch * plane + q0 + q] = v
                        }
                    }
                }
            }
        }
        return Tensor(shape: [1, 3, outHeight, outWidth], data: out)
    }
}
