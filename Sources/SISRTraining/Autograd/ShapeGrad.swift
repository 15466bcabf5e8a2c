import SRModels

// Differentiable shape-changing ops: concatenation, pixel (un)shuffle, nearest upsampling, reshape,
// max pooling.

/// Concatenation along channels; the gradient is split back in the same order.
public func concatChannels(_ xs: [Variable]) -> Variable {
    let y = SRModels.concatChannels(xs.map(\.value))
    let (n, _, h, w) = y.nchw
    let cs = xs.map { $0.value.nchw.c }, ctotal = cs.reduce(0, +), plane = h * w
    return Variable(y, parents: xs) { g in
        var offset = 0
        for (x, c) in zip(xs, cs) {
            if x.requiresGrad {
                var dx = [Float]()
                dx.reserveCapacity(n * c * plane)
                for b in 0..<n {
                    let base = (b * ctotal + offset) * plane
                    dx.append(contentsOf: g[base..<(base + c * plane)])
                }
                x.accumulate(dx)
            }
            offset += c
        }
    }
}

/// PyTorch `PixelShuffle(r)`; its gradient is the inverse permutation, `pixel_unshuffle(dy, r)`.
public func pixelShuffle(_ x: Variable, _ r: Int) -> Variable {
    let y = SRModels.pixelShuffle(x.value, r)
    return Variable(y, parents: [x]) { g in
        x.accumulate(SRModels.pixelUnshuffle(Tensor(shape: y.shape, data: g), r).data)
    }
}

/// BasicSR `pixel_unshuffle(x, s)`; its gradient is `pixel_shuffle(dy, s)`.
public func pixelUnshuffle(_ x: Variable, _ s: Int) -> Variable {
    let y = SRModels.pixelUnshuffle(x.value, s)
    return Variable(y, parents: [x]) { g in
        x.accumulate(SRModels.pixelShuffle(Tensor(shape: y.shape, data: g), s).data)
    }
}

/// Nearest x2 upsampling; each input gradient is the sum of its four output gradients.
public func upsampleNearest2x(_ x: Variable) -> Variable {
    let (n, c, h, w) = x.value.nchw
    let ow = 2 * w
    return Variable(SRModels.upsampleNearest2x(x.value), parents: [x]) { g in
        var dx = [Float](repeating: 0, count: n * c * h * w)
        for p in 0..<(n * c) {
            for y in 0..<h {
                let d = (p * 2 * h + 2 * y) * ow
                for xx in 0..<w {
                    dx[(p * h + y) * w + xx] = g[d + 2 * xx] + g[d + 2 * xx + 1] + g[d + ow + 2 * xx] + g[d + ow + 2 * xx + 1]
                }
            }
        }
        x.accumulate(dx)
    }
}

/// The same values under another shape (`view`).
public func reshaped(_ x: Variable, _ shape: [Int]) -> Variable {
    Variable(x.value.reshaped(shape), parents: [x]) { g in x.accumulate(g) }
}

/// PyTorch `MaxPool2d(kernel, stride, padding)` (padding counts as minus infinity). The gradient goes to
/// the first maximum of each window in row-major order, added in output order.
public func maxPool2d(_ x: Variable, kernel k: Int, stride s: Int, padding p: Int = 0) -> Variable {
    let (n, c, h, w) = x.value.nchw
    let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
    var out = [Float](repeating: 0, count: n * c * oh * ow)
    var arg = [Int](repeating: 0, count: out.count)
    let xv = x.value.data
    for q in 0..<(n * c) {
        for y in 0..<oh {
            for xx in 0..<ow {
                var best = -Float.infinity, bi = -1
                for i in 0..<k {
                    let sy = y * s + i - p
                    guard sy >= 0 && sy < h else { continue }
                    for j in 0..<k {
                        let sx = xx * s + j - p
                        guard sx >= 0 && sx < w else { continue }
                        let idx = (q * h + sy) * w + sx
                        if bi < 0 || xv[idx] > best || xv[idx].isNaN { (best, bi) = (xv[idx], idx) }
                    }
                }
                let o = (q * oh + y) * ow + xx
                (out[o], arg[o]) = (best, bi)
            }
        }
    }
    return Variable(Tensor(shape: [n, c, oh, ow], data: out), parents: [x]) { g in
        var dx = [Float](repeating: 0, count: n * c * h * w)
        for o in g.indices { dx[arg[o]] += g[o] }
        x.accumulate(dx)
    }
}

/// 2x2 average pooling with stride 2 (ProGAN's `downscale2d`, `tf.nn.avg_pool` 'VALID'; an odd last
/// row or column is dropped): `y = (((a + b) + c) + d) * 0.25` over each window in row-major order;
/// each input of a window gets `dy * 0.25`.
public func avgPool2x2(_ x: Variable) -> Variable {
    let (n, c, h, w) = x.value.nchw
    let oh = h / 2, ow = w / 2
    precondition(oh > 0 && ow > 0, "avgPool2x2: input \(h)x\(w) is smaller than the 2x2 window")
    let xv = x.value.data
    var out = [Float](repeating: 0, count: n * c * oh * ow)
    for q in 0..<(n * c) {
        for y in 0..<oh {
            let r0 = (q * h + 2 * y) * w, r1 = r0 + w
            for xx in 0..<ow {
                out[(q * oh + y) * ow + xx] = (xv[r0 + 2 * xx] + xv[r0 + 2 * xx + 1] + xv[r1 + 2 * xx] + xv[r1 + 2 * xx + 1]) * 0.25
            }
        }
    }
    return Variable(Tensor(shape: [n, c, oh, ow], data: out), parents: [x]) { g in
        var dx = [Float](repeating: 0, count: n * c * h * w)
        for q in 0..<(n * c) {
            for y in 0..<oh {
                let r0 = (q * h + 2 * y) * w, r1 = r0 + w
                for xx in 0..<ow {
                    let v = g[(q * oh + y) * ow + xx] * 0.25
                    dx[r0 + 2 * xx] = v; dx[r0 + 2 * xx + 1] = v; dx[r1 + 2 * xx] = v; dx[r1 + 2 * xx + 1] = v
                }
            }
        }
        x.accumulate(dx)
    }
}
