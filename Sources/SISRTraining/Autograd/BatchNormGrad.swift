import SRModels

/// PyTorch `BatchNorm2d` in training mode: normalises each channel by the batch mean and biased
/// variance (statistics in Double over images then pixels), applies `weight`/`bias`, and updates the
/// running statistics in place: `running = (1 - momentum) * running + momentum * batch` with the
/// unbiased variance, `num_batches_tracked += 1`.
public func batchNormTrain(
    _ x: Variable, weight: Variable, bias: Variable, running: BatchNormState, momentum: Float = 0.1, eps: Float = 1e-5
) -> Variable {
    let (n, c, h, w) = x.value.nchw
    let plane = h * w, count = n * plane
    let xv = x.value.data
    var mean = [Double](repeating: 0, count: c), invstd = [Double](repeating: 0, count: c)
    var y = [Float](repeating: 0, count: xv.count)
    var xhat = [Float](repeating: 0, count: xv.count)
    for ch in 0..<c {
        var s = 0.0
        for b in 0..<n { for i in 0..<plane { s += Double(xv[(b * c + ch) * plane + i]) } }
        let m = s / Double(count)
        var v = 0.0
        for b in 0..<n {
            for i in 0..<plane {
                let d = Double(xv[(b * c + ch) * plane + i]) - m
                v += d * d
            }
        }
        let varBiased = v / Double(count)
        let inv = 1 / (varBiased + Double(eps)).squareRoot()
        (mean[ch], invstd[ch]) = (m, inv)
        let wc = weight.value.data[ch], bc = bias.value.data[ch]
        for b in 0..<n {
            for i in 0..<plane {
                let k = (b * c + ch) * plane + i
                let xh = Float((Double(xv[k]) - m) * inv)
                xhat[k] = xh
                y[k] = xh * wc + bc
            }
        }
        let unbiased = count > 1 ? v / Double(count - 1) : varBiased
        running.mean.data[ch] = (1 - momentum) * running.mean.data[ch] + momentum * Float(m)
        running.variance.data[ch] = (1 - momentum) * running.variance.data[ch] + momentum * Float(unbiased)
    }
    running.batchesTracked += 1
    let wv = weight.value.data
    return Variable(Tensor(shape: x.shape, data: y), parents: [x, weight, bias]) { g in
        var dx = [Float](repeating: 0, count: xv.count)
        var dw = [Float](repeating: 0, count: c), db = [Float](repeating: 0, count: c)
        for ch in 0..<c {
            var sg = 0.0, sgx = 0.0
            for b in 0..<n {
                for i in 0..<plane {
                    let k = (b * c + ch) * plane + i
                    sg += Double(g[k])
                    sgx += Double(g[k]) * Double(xhat[k])
                }
            }
            (dw[ch], db[ch]) = (Float(sgx), Float(sg))
            // dx = w * invstd / N * (N * dy - sum(dy) - xhat * sum(dy * xhat))
            let scale = Double(wv[ch]) * invstd[ch] / Double(count)
            for b in 0..<n {
                for i in 0..<plane {
                    let k = (b * c + ch) * plane + i
                    dx[k] = Float(scale * (Double(count) * Double(g[k]) - sg - Double(xhat[k]) * sgx))
                }
            }
        }
        x.accumulate(dx)
        weight.accumulate(dw)
        bias.accumulate(db)
    }
}

/// `BatchNorm2d` in eval mode (frozen statistics): `(x - mean) / sqrt(var + eps) * weight + bias`.
public func batchNormEval(_ x: Variable, weight: Tensor, bias: Tensor, running: BatchNormState, eps: Float = 1e-5) -> Variable {
    let (n, c, h, w) = x.value.nchw
    let plane = h * w
    let scale = (0..<c).map { weight.data[$0] / (running.variance.data[$0] + eps).squareRoot() }
    var y = x.value.data
    for p in 0..<(n * c) {
        let ch = p % c
        for i in (p * plane)..<((p + 1) * plane) { y[i] = (y[i] - running.mean.data[ch]) * scale[ch] + bias.data[ch] }
    }
    return Variable(Tensor(shape: x.shape, data: y), parents: [x]) { g in
        var dx = g
        for p in 0..<(n * c) {
            let ch = p % c
            for i in (p * plane)..<((p + 1) * plane) { dx[i] *= scale[ch] }
        }
        x.accumulate(dx)
    }
}

/// The running statistics of one BatchNorm layer (its buffers).
public final class BatchNormState {
    let meanBuffer: Buffer, varianceBuffer: Buffer, countBuffer: Buffer

    init(mean: Buffer, variance: Buffer, count: Buffer) {
        (meanBuffer, varianceBuffer, countBuffer) = (mean, variance, count)
    }

    var mean: Tensor {
        get { meanBuffer.value }
        set { meanBuffer.value = newValue }
    }
    var variance: Tensor {
        get { varianceBuffer.value }
        set { varianceBuffer.value = newValue }
    }
    var batchesTracked: Int64 {
        get { countBuffer.integer ?? 0 }
        set { countBuffer.integer = newValue }
    }
}
