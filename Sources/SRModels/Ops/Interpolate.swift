import SISREngine

// PyTorch `F.interpolate(x, scale_factor: s, align_corners: False)` for an integer factor: the source
// coordinate of output index `d` is `(d + 0.5) / s - 0.5`, computed in float32 as PyTorch's CPU kernels do.

/// `F.interpolate(mode='bilinear', align_corners=False)`: negative source coordinates are clamped to 0,
/// the right neighbour to the last index; `out = h0 * (w0 * a + w1 * b) + h1 * (w0 * c + w1 * d)`.
public func upsampleBilinear(_ x: Tensor, factor s: Int) -> Tensor {
    let (n, c, h, w) = x.nchw
    let oh = h * s, ow = w * s
    let rows = (0..<oh).map { linearTap($0, s, h) }, cols = (0..<ow).map { linearTap($0, s, w) }
    return Tensor.filled(shape: [n, c, oh, ow]) { out in
        x.data.withUnsafeBufferPointer { src in
            Compute.forEachWorker(items: n * c) { _, items in
                for p in items {
                    let plane = p * h * w
                    for (oy, r) in rows.enumerated() {
                        let a = plane + r.i0 * w, b = plane + r.i1 * w, d = (p * oh + oy) * ow
                        for (ox, t) in cols.enumerated() {
                            let top = t.l0 * src[a + t.i0] + t.l1 * src[a + t.i1]
                            let bottom = t.l0 * src[b + t.i0] + t.l1 * src[b + t.i1]
                            out[d + ox] = r.l0 * top + r.l1 * bottom
                        }
                    }
                }
            }
        }
    }
}

/// `F.interpolate(mode='bicubic', align_corners=False)`: Keys cubic with `A = -0.75`, source coordinates
/// not clamped, the four taps clamped to the border; each of the four source rows is interpolated along
/// the row, then the four results along the column.
public func upsampleBicubic(_ x: Tensor, factor s: Int) -> Tensor {
    let (n, c, h, w) = x.nchw
    let oh = h * s, ow = w * s
    let rows = (0..<oh).map { cubicTaps($0, s, h) }, cols = (0..<ow).map { cubicTaps($0, s, w) }
    return Tensor.filled(shape: [n, c, oh, ow]) { out in
        x.data.withUnsafeBufferPointer { src in
            Compute.forEachWorker(items: n * c) { _, items in
                for p in items {
                    let plane = p * h * w
                    for (oy, r) in rows.enumerated() {
                        let d = (p * oh + oy) * ow
                        for (ox, t) in cols.enumerated() {
                            func along(_ k: Int) -> Float {
                                let row = plane + r.index[k] * w
                                return src[row + t.index[0]] * t.weight[0] + src[row + t.index[1]] * t.weight[1]
                                    + src[row + t.index[2]] * t.weight[2] + src[row + t.index[3]] * t.weight[3]
                            }
                            let v = (along(0), along(1), along(2), along(3))
                            out[d + ox] = v.0 * r.weight[0] + v.1 * r.weight[1] + v.2 * r.weight[2] + v.3 * r.weight[3]
                        }
                    }
                }
            }
        }
    }
}

private struct LinearTap {
    let i0: Int, i1: Int, l0: Float, l1: Float
}

private func sourceCoordinate(_ d: Int, _ s: Int) -> Float {
    let scale = Float(1) / Float(s)
    return scale * (Float(d) + 0.5) - 0.5
}

private func linearTap(_ d: Int, _ s: Int, _ n: Int) -> LinearTap {
    let src = max(0, sourceCoordinate(d, s))
    let i0 = Int(src)
    let i1 = i0 < n - 1 ? i0 + 1 : i0
    let l1 = src - Float(i0)
    return LinearTap(i0: i0, i1: i1, l0: 1 - l1, l1: l1)
}

private struct CubicTaps {
    let index: [Int], weight: [Float]
}

private func cubicTaps(_ d: Int, _ s: Int, _ n: Int) -> CubicTaps {
    let src = sourceCoordinate(d, s)
    let f = src.rounded(.down)
    let t = src - f
    let a: Float = -0.75
    // Keys' kernel: |x| <= 1 and 1 < |x| < 2.
    func near(_ x: Float) -> Float { ((a + 2) * x - (a + 3)) * x * x + 1 }
    func far(_ x: Float) -> Float { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
    let i = Int(f)
    return CubicTaps(
        index: (-1...2).map { min(max(i + $0, 0), n - 1) },
        weight: [far(t + 1), near(t), near(1 - t), far(2 - t)])
}
