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
