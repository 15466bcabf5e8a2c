import SRModels

extension SchedulerOptions {
    /// A `MultiStepLR` schedule (for code that builds a trainer without an option file).
    public init(milestones: [Int], gamma: Double) {
        type = "MultiStepLR"
        self.milestones = milestones
        self.gamma = gamma
    }

    /// The learning rate of iteration `iter` with BasicSR's linear warm-up: while `iter < warmupIter`,
    /// `base * iter / warmupIter` (relative to the initial rate), else ``learningRate(base:atIteration:)``.
    public func learningRate(base: Double, atIteration iter: Int, warmupIter: Int) -> Double {
        if warmupIter > 0 && iter < warmupIter { return base * Double(iter) / Double(warmupIter) }
        return learningRate(base: base, atIteration: iter)
    }
}

/// BasicSR's `model_ema(decay)`: for every parameter (not buffers) `ema = ema * decay + p * (1 - decay)`
/// (`mul_` then `add_(alpha=)`, the latter one fused multiply-add), at the end of every iteration.
public func updateEMA(_ ema: ParameterList, from model: ParameterList, decay: Double) {
    let d = Float(decay), a = Float(1 - decay)
    for (e, p) in zip(ema.parameters, model.parameters) {
        precondition(e.key == p.key, "EMA parameters out of order: \(e.key) vs \(p.key)")
        let src = p.value.data
        e.value.data.withUnsafeMutableBufferPointer { pe in
            for i in pe.indices { pe[i] = (pe[i] * d).addingProduct(src[i], a) }
        }
    }
}
