import SRModels

// Differentiable elementwise and per-channel ops. Forward values use the same float expressions as the
// inference engine (SRModels), so a trained network's forward pass equals the engine's up to the
// convolution kernels.

/// `y = f(x)` elementwise, with `dx = dy * d(x, y)`.
func unary(_ x: Variable, _ f: (Float) -> Float, derivative d: @escaping (_ x: Float, _ y: Float) -> Float) -> Variable {
    let xv = x.value
    let y = xv.map(f)
    return Variable(y, parents: [x]) { g in
        var dx = [Float](repeating: 0, count: g.count)
        for i in dx.indices { dx[i] = g[i] * d(xv.data[i], y.data[i]) }
        x.accumulate(dx)
    }
}

/// `max(x, 0)`; the gradient passes where the output is positive (PyTorch's threshold_backward).
public func relu(_ x: Variable) -> Variable {
    unary(x, { $0 > 0 ? $0 : 0 }, derivative: { _, y in y > 0 ? 1 : 0 })
}

public func leakyReLU(_ x: Variable, slope: Float) -> Variable {
    let xv = x.value
    let y = xv.map { $0 >= 0 ? $0 : $0 * slope }
    return Variable(y, parents: [x]) { g in
        var dx = [Float](repeating: 0, count: g.count)
        for i in dx.indices { dx[i] = xv.data[i] > 0 ? g[i] : g[i] * slope }
        x.accumulate(dx)
    }
}

/// `1 / (1 + exp(-x))`, derivative `y * (1 - y)`.
public func sigmoid(_ x: Variable) -> Variable {
    unary(x, { 1 / (1 + Kernels.exp(-$0)) }, derivative: { _, y in (1 - y) * y })
}

/// `x * c` for a constant `c`.
public func scaled(_ x: Variable, by c: Float) -> Variable {
    unary(x, { $0 * c }, derivative: { _, _ in c })
}

/// `x / c` for a constant `c` (a true division, as PyTorch's `x / c`).
public func divided(_ x: Variable, by c: Float) -> Variable {
    let xv = x.value
    return Variable(xv.map { $0 / c }, parents: [x]) { g in x.accumulate(g.map { $0 / c }) }
}

/// `a + b * scale` (the product rounded before the sum), same shapes.
public func add(_ a: Variable, _ b: Variable, scaledBy scale: Float = 1) -> Variable {
    let y = SRModels.add(a.value, b.value, scaledBy: scale)
    return Variable(y, parents: [a, b]) { g in
        a.accumulate(g)
        b.accumulate(scale == 1 ? g : g.map { $0 * scale })
    }
}

/// Per-channel `(x - mean[c]) * range` (BasicSR's input shift).
public func subtractMean(_ x: Variable, mean: [Float], range: Float) -> Variable {
    let y = MeanShift(.subtract(mean: mean, range: range))(x.value)
    return Variable(y, parents: [x]) { g in x.accumulate(g.map { $0 * range }) }
}

/// Per-channel `x / range + mean[c]` (BasicSR's output shift).
public func addMean(_ x: Variable, mean: [Float], range: Float) -> Variable {
    let y = MeanShift(.add(mean: mean, range: range))(x.value)
    return Variable(y, parents: [x]) { g in x.accumulate(g.map { $0 / range }) }
}

/// Per-channel `(x - mean[c]) / std[c]` (ImageNet normalisation of perceptual networks).
public func normalizeChannels(_ x: Variable, mean: [Float], std: [Float]) -> Variable {
    let (n, c, h, w) = x.value.nchw
    let plane = h * w
    var y = x.value.data
    for p in 0..<(n * c) {
        let ch = p % c
        for i in (p * plane)..<((p + 1) * plane) { y[i] = (y[i] - mean[ch]) / std[ch] }
    }
    return Variable(Tensor(shape: x.shape, data: y), parents: [x]) { g in
        var dx = g
        for p in 0..<(n * c) {
            let ch = p % c
            for i in (p * plane)..<((p + 1) * plane) { dx[i] = g[i] / std[ch] }
        }
        x.accumulate(dx)
    }
}

/// Channel attention broadcast: `x[n, c, :, :] * s[n, c]`.
public func multiplyChannels(_ x: Variable, by s: Variable) -> Variable {
    let (n, c, h, w) = x.value.nchw
    let plane = h * w
    let xv = x.value, sv = s.value
    let y = SRModels.multiplyChannels(xv, by: sv)
    return Variable(y, parents: [x, s]) { g in
        if x.requiresGrad {
            var dx = g
            for p in 0..<(n * c) {
                let f = sv.data[p]
                for i in (p * plane)..<((p + 1) * plane) { dx[i] *= f }
            }
            x.accumulate(dx)
        }
        if s.requiresGrad {
            s.accumulate((0..<(n * c)).map { p in
                var sum = 0.0
                for i in (p * plane)..<((p + 1) * plane) { sum += Double(g[i] * xv.data[i]) }
                return Float(sum)
            })
        }
    }
}

/// Global average pool `[N, C, H, W] -> [N, C, 1, 1]`; the gradient is `dy / (H*W)` everywhere.
public func globalAveragePool(_ x: Variable) -> Variable {
    let (n, c, h, w) = x.value.nchw
    let plane = h * w
    return Variable(SRModels.globalAveragePool(x.value), parents: [x]) { g in
        var dx = [Float](repeating: 0, count: n * c * plane)
        for p in 0..<(n * c) {
            let v = g[p] / Float(plane)
            for i in (p * plane)..<((p + 1) * plane) { dx[i] = v }
        }
        x.accumulate(dx)
    }
}
