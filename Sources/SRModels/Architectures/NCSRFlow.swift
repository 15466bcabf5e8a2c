import SISREngine
// The invertible layers of the SRFlow / NCSR conditional flow, run in the sampling (reverse) direction.
// Key names follow SRFlow's modules (`FlowStep`, `ActNorm2d`, `InvertibleConv1x1`,
// `CondAffineSeparatedAndCond`, `Split2d`, glow `Conv2d` / `Conv2dZeros`).

/// Per-channel `exp(logs)` of a stored `logs` tensor, times `factor` inside the exponent.
private func channelExp(_ w: WeightScope, _ name: String, channels c: Int, shape: [Int], factor: Float = 1) -> [Float] {
    w.tensor(name, shape: shape, fanIn: c).data.map { FlowMath.exp($0 * factor) }
}

/// glow `Conv2d(do_actnorm=True)`: a bias-free convolution ("same" padding) followed by
/// `ActNorm2d` in the forward direction, `(x + bias) * exp(logs)`. Keys `weight`, `actnorm.{bias,logs}`.
struct ActNormConv: Sendable {
    let conv: Conv2d
    let bias: [Float], scale: [Float]

    init(_ w: WeightScope, in cin: Int, out cout: Int, kernel: Int) {
        conv = Conv2d(w, in: cin, out: cout, kernel: kernel, bias: false)
        bias = w["actnorm"].tensor("bias", shape: [1, cout, 1, 1], fanIn: cout).data
        scale = channelExp(w["actnorm"], "logs", channels: cout, shape: [1, cout, 1, 1])
    }

    func callAsFunction(_ x: Tensor) -> Tensor { conv(x).mapChannels { ($0 + bias[$1]) * scale[$1] } }
}

/// glow `Conv2dZeros`: a 3x3 convolution with bias, times `exp(3 * logs)`. Keys `weight`, `bias`, `logs`.
struct ZeroConv: Sendable {
    let conv: Conv2d
    let scale: [Float]

    init(_ w: WeightScope, in cin: Int, out cout: Int) {
        conv = Conv2d(w, in: cin, out: cout, kernel: 3)
        scale = channelExp(w, "logs", channels: cout, shape: [cout, 1, 1], factor: 3)
    }

    func callAsFunction(_ x: Tensor) -> Tensor { conv(x).mapChannels { $0 * scale[$1] } }
}

/// `CondAffineSeparatedAndCond.F`: conv 3x3 + actnorm, ReLU, conv 1x1 + actnorm, ReLU, `Conv2dZeros`
/// (Sequential indices 0, 2, 4).
struct CouplingNet: Sendable {
    let first: ActNormConv, hidden: ActNormConv, last: ZeroConv

    init(_ w: WeightScope, in cin: Int, hidden h: Int, out cout: Int) {
        first = ActNormConv(w[0], in: cin, out: h, kernel: 3)
        hidden = ActNormConv(w[2], in: h, out: h, kernel: 1)
        last = ZeroConv(w[4], in: h, out: cout)
    }

    /// `(shift, scale)`: the even and odd output channels ("cross" split), the scale as
    /// `sigmoid(x + 2) + eps`.
    func shiftScale(_ x: Tensor, eps: Float) -> (Tensor, Tensor) {
        let h = last(relu(hidden(relu(first(x)))))
        return (strideChannels(h, start: 0, step: 2), strideChannels(h, start: 1, step: 2).map { FlowMath.sigmoid($0 + 2) + eps })
    }
}

/// `(z - shift)` after `z / scale`, elementwise: the inverse of the forward `(z + shift) * scale`.
private func unaffine(_ z: Tensor, _ shift: Tensor, _ scale: Tensor) -> Tensor {
    z.zip(scale) { $0 / $1 }.zip(shift) { $0 - $1 }
}

/// `CondAffineSeparatedAndCond` (NCSR): a feature-conditional affine of all channels (`fFeatures`),
/// an optional noise-level-conditional coupling (`fAffine_std`, on the first half and the `std` map)
/// and a self-conditional coupling (`fAffine`, on the first half and the features); the second half
/// is transformed.
struct CondAffineCoupling: Sendable {
    let channels: Int
    let fAffine: CouplingNet, fFeatures: CouplingNet, fAffineStd: CouplingNet
    let stdChannels: Int
    let stdMode: Bool
    static let eps: Float = 0.0001

    init(_ w: WeightScope, channels c: Int, condChannels: Int, hidden: Int, stdChannels: Int, stdMode: Bool) {
        channels = c
        let nn = c / 2, co = c - nn
        fAffine = CouplingNet(w["fAffine"], in: nn + condChannels, hidden: hidden, out: 2 * co)
        fFeatures = CouplingNet(w["fFeatures"], in: condChannels, hidden: hidden, out: 2 * c)
        fAffineStd = CouplingNet(w["fAffine_std"], in: nn + stdChannels, hidden: hidden, out: 2 * co)
        self.stdChannels = stdChannels
        self.stdMode = stdMode
    }

    /// The reverse pass with the test-time noise level `std = 0` (NCSR's `std_in`, expanded to
    /// `std_channels` zero maps).
    func reverse(_ z: Tensor, cond ft: Tensor) -> Tensor {
        let nn = channels / 2
        func second(_ z: Tensor, _ net: CouplingNet, _ extra: Tensor) -> Tensor {
            let z1 = sliceChannels(z, 0..<nn), z2 = sliceChannels(z, nn..<channels)
            let (shift, scale) = net.shiftScale(concatChannels([z1, extra]), eps: Self.eps)
            return concatChannels([z1, unaffine(z2, shift, scale)])
        }
        var z = second(z, fAffine, ft)
        if stdMode {
            let (n, _, h, w) = z.nchw
            z = second(z, fAffineStd, Tensor(zeros: [n, stdChannels, h, w]))
        }
        let (shift, scale) = fFeatures.shiftScale(ft, eps: Self.eps)
        return unaffine(z, shift, scale)
    }
}

/// SRFlow `FlowStep` in reverse: coupling (if any), inverse 1x1 convolution, inverse actnorm
/// `x * exp(-logs) - bias`. Keys `actnorm.{bias,logs}`, `invconv.weight` `[C, C]`, `affine.*`.
struct FlowStep: Sendable {
    let actBias: [Float], actInvScale: [Float]
    let inverse: Tensor
    let coupling: CondAffineCoupling?

    init(_ w: WeightScope, channels c: Int, coupling: CondAffineCoupling?) {
        actBias = w["actnorm"].tensor("bias", shape: [1, c, 1, 1], fanIn: c).data
        actInvScale = w["actnorm"].tensor("logs", shape: [1, c, 1, 1], fanIn: c).data.map { FlowMath.exp(-$0) }
        let weight = w["invconv"].tensor("weight", shape: [c, c], fanIn: c)
        inverse = Tensor(shape: [c, c, 1, 1], data: invertMatrix(weight.data.map(Double.init), c).map(Float.init))
        self.coupling = coupling
    }

    func reverse(_ z: Tensor, cond: Tensor) -> Tensor {
        var z = coupling.map { $0.reverse(z, cond: cond) } ?? z
        z = conv2d(z, weight: inverse, bias: nil, padding: 0)
        return z.mapChannels { $0 * actInvScale[$1] - actBias[$1] }
    }
}

/// SRFlow `Split2d` in reverse: the prior `Conv2dZeros(z1)` gives `mean` (even channels) and `logs`
/// (odd), and the consumed channels are `mean + exp(logs) * eps`.
struct FlowSplit: Sendable {
    let pass: Int, consume: Int
    let prior: ZeroConv

    init(_ w: WeightScope, channels c: Int) {
        consume = Int((Double(c) * 0.5).rounded(.toNearestOrEven))
        pass = c - consume
        prior = ZeroConv(w["conv"], in: pass, out: 2 * consume)
    }

    func reverse(_ z1: Tensor, eps: (_ shape: [Int]) -> Tensor) -> Tensor {
        let h = prior(z1)
        let mean = strideChannels(h, start: 0, step: 2), logs = strideChannels(h, start: 1, step: 2)
        let e = eps(mean.shape)
        let z2 = mean.zip(logs.map { FlowMath.exp($0) }.zip(e) { $0 * $1 }) { $0 + $1 }
        return concatChannels([z1, z2])
    }
}

/// The inverse of a row-major `n x n` matrix in double precision (Gauss-Jordan with partial
/// pivoting; `torch.inverse(weight.double())` in SRFlow). A singular matrix gives non-finite values.
func invertMatrix(_ m: [Double], _ n: Int) -> [Double] {
    var a = m, inv = [Double](repeating: 0, count: n * n)
    for i in 0..<n { inv[i * n + i] = 1 }
    for col in 0..<n {
        var pivot = col
        for r in (col + 1)..<max(col + 1, n) where abs(a[r * n + col]) > abs(a[pivot * n + col]) { pivot = r }
        if pivot != col {
            for k in 0..<n {
                a.swapAt(col * n + k, pivot * n + k)
                inv.swapAt(col * n + k, pivot * n + k)
            }
        }
        let p = a[col * n + col]
        for k in 0..<n {
            a[col * n + k] /= p
            inv[col * n + k] /= p
        }
        for r in 0..<n where r != col {
            let f = a[r * n + col]
            if f == 0 { continue }
            for k in 0..<n {
                a[r * n + k] -= f * a[col * n + k]
                inv[r * n + k] -= f * inv[col * n + k]
            }
        }
    }
    return inv
}
