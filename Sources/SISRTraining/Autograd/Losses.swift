import SRModels

// Scalar losses with mean reduction, as PyTorch's `l1_loss`, `mse_loss` and
// `binary_cross_entropy_with_logits`. Sums are accumulated in Double; gradients use PyTorch's factor
// `grad / N` (rounded to float) times the elementwise derivative.

func scalarLoss(_ value: Double, parents: [Variable], backward: @escaping (Float) -> Void) -> Variable {
    Variable(Tensor(shape: [], data: [Float(value)]), parents: parents) { g in backward(g[0]) }
}

/// `mean(|x - target|)`.
public func l1Loss(_ x: Variable, _ target: Variable) -> Variable {
    precondition(x.shape == target.shape, "l1Loss: shapes \(x.shape) and \(target.shape)")
    let a = x.value.data, b = target.value.data
    var s = 0.0
    for i in a.indices { s += Double(abs(a[i] - b[i])) }
    return scalarLoss(s / Double(a.count), parents: [x, target]) { g in
        let f = g / Float(a.count)
        let d = (0..<a.count).map { i -> Float in
            let diff = a[i] - b[i]
            return diff > 0 ? f : (diff < 0 ? -f : 0)
        }
        x.accumulate(d)
        if target.requiresGrad { target.accumulate(d.map { -$0 }) }
    }
}

/// `mean((x - target)^2)`.
public func mseLoss(_ x: Variable, _ target: Variable) -> Variable {
    precondition(x.shape == target.shape, "mseLoss: shapes \(x.shape) and \(target.shape)")
    let a = x.value.data, b = target.value.data
    var s = 0.0
    for i in a.indices {
        let d = Double(a[i] - b[i])
        s += d * d
    }
    return scalarLoss(s / Double(a.count), parents: [x, target]) { g in
        let f = 2 / Float(a.count) * g
        let d = (0..<a.count).map { i in f * (a[i] - b[i]) }
        x.accumulate(d)
        if target.requiresGrad { target.accumulate(d.map { -$0 }) }
    }
}

/// `mean(BCEWithLogits(x, t))` against a constant target `t` (the vanilla GAN loss):
/// `max(x, 0) - x*t + log(1 + exp(-|x|))`, gradient `(sigmoid(x) - t) / N`.
public func bceWithLogits(_ x: Variable, target t: Float) -> Variable {
    let a = x.value.data
    var s = 0.0
    for v in a {
        let dv = Double(v)
        s += max(dv, 0) - dv * Double(t) + Kernels.log(1 + Double(Kernels.exp(-abs(v))))
    }
    return scalarLoss(s / Double(a.count), parents: [x]) { g in
        let f = g / Float(a.count)
        x.accumulate(a.map { (1 / (1 + Kernels.exp(-$0)) - t) * f })
    }
}

/// `sum_i w_i * loss_i` of scalar losses (the total loss of one step).
public func weightedSum(_ terms: [(loss: Variable, weight: Float)]) -> Variable {
    let v = terms.reduce(0.0) { $0 + Double($1.loss.value.data[0] * $1.weight) }
    return Variable(Tensor(shape: [], data: [Float(v)]), parents: terms.map(\.loss)) { g in
        for t in terms { t.loss.accumulate([g[0] * t.weight]) }
    }
}

/// Row-wise softmax of `[N, K]` logits in Double: `exp(z - max)` with the engine's `exp` (float),
/// normalised by its Double sum.
public func softmaxRows(_ logits: Tensor) -> [[Double]] {
    let n = logits.shape[0], k = logits.count / max(1, n)
    return (0..<n).map { r in
        let row = logits.data[(r * k)..<((r + 1) * k)]
        let m = row.max() ?? 0
        let e = row.map { Double(Kernels.exp($0 - m)) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }
}

/// `mean_n(-log softmax(x_n)[label_n])` of `[N, K]` logits (PyTorch `cross_entropy`, TF
/// `softmax_cross_entropy_with_logits` averaged): `log-sum-exp` per row in Double from the row
/// maximum, the engine's `exp` and `log`; gradient `(softmax(x) - onehot) * grad / N`.
public func softmaxCrossEntropy(_ x: Variable, labels: [Int]) -> Variable {
    let n = x.shape[0], k = x.value.count / max(1, n)
    precondition(labels.count == n && labels.allSatisfy { (0..<k).contains($0) }, "softmaxCrossEntropy: \(labels.count) labels for \(n) rows of \(k) classes")
    let a = x.value.data
    var total = 0.0
    var probs = [Float](repeating: 0, count: a.count)
    for r in 0..<n {
        let base = r * k
        var m = -Float.infinity
        for c in 0..<k { m = max(m, a[base + c]) }
        var s = 0.0
        for c in 0..<k { s += Double(Kernels.exp(a[base + c] - m)) }
        total += Double(m) + Kernels.log(s) - Double(a[base + labels[r]])
        for c in 0..<k { probs[base + c] = Float(Double(Kernels.exp(a[base + c] - m)) / s) }
    }
    return scalarLoss(total / Double(n), parents: [x]) { g in
        let f = g / Float(n)
        var d = probs
        for r in 0..<n { d[r * k + labels[r]] -= 1 }
        x.accumulate(d.map { $0 * f })
    }
}
