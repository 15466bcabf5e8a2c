import SRModels

/// `torch.optim.Adam` (weight decay 0, amsgrad off) computed as PyTorch 2.x's single-tensor CPU path:
/// `m = fma(1 - b1, g - m, m)` (lerp), `v = fma((1 - b2) * g, g, v * b2)` (mul + addcmul), bias
/// corrections and the step size in Double, `denom = sqrt(v) / Float(sqrt(1 - b2^t)) + eps`,
/// `p = p + (Float(-lr / (1 - b1^t)) * m) / denom`. `step` is kept per parameter.
public final class Adam {
    public struct State: Equatable, Sendable {
        public var step: Int
        public var expAvg: [Float]
        public var expAvgSq: [Float]
    }

    public let parameters: [Parameter]
    public var learningRate: Double
    public let beta1: Double, beta2: Double, eps: Double
    public var states: [State]

    public init(_ parameters: [Parameter], learningRate: Double, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8) {
        self.parameters = parameters
        self.learningRate = learningRate
        (beta1, beta2) = betas
        self.eps = eps
        states = parameters.map { State(step: 0, expAvg: [Float](repeating: 0, count: $0.value.count), expAvgSq: [Float](repeating: 0, count: $0.value.count)) }
    }

    /// One update of every parameter from its accumulated gradient.
    public func step() {
        let w1 = Float(1 - beta1), b2 = Float(beta2), w2 = Float(1 - beta2), e = Float(eps)
        for (i, p) in parameters.enumerated() {
            states[i].step += 1
            let bc1 = 1 - Kernels.power(beta1, states[i].step), bc2 = 1 - Kernels.power(beta2, states[i].step)
            let stepSize = Float(-(learningRate / bc1)), bc2Sqrt = Float(bc2.squareRoot())
            var m = states[i].expAvg, v = states[i].expAvgSq
            let g = p.grad
            p.value.data.withUnsafeMutableBufferPointer { pv in
                for k in pv.indices {
                    m[k] = w1.multipliedFullyAdding(g[k] - m[k], m[k])
                    v[k] = (w2 * g[k]).multipliedFullyAdding(g[k], v[k] * b2)
                    let denom = v[k].squareRoot() / bc2Sqrt + e
                    pv[k] = pv[k] + (stepSize * m[k]) / denom
                }
            }
            states[i].expAvg = m
            states[i].expAvgSq = v
        }
    }
}

extension Float {
    /// `fma(self, b, c)`: `self * b + c` rounded once.
    @inline(__always) func multipliedFullyAdding(_ b: Float, _ c: Float) -> Float { c.addingProduct(self, b) }
}

