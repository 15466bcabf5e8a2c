import SRModels

/// BasicSR `MultiStepRestartLR(milestones, gamma, restarts=[0], restart_weights=[1])`, stepped as
/// BasicSR's loop does: `scheduler.step()` before every iteration except the first, so iteration `i`
/// uses epoch `i - 1` and a milestone `m` first applies at iteration `m + 1`. The learning rate is a
/// Double (a Python float), multiplied by `gamma^count` at each milestone epoch.
public struct MultiStepRestartLR: Equatable, Sendable {
    public let initialLR: Double
    public let milestones: [Int]
    public let gamma: Double
    public let restarts: [Int]
    public let restartWeights: [Double]

    public init(initialLR: Double, milestones: [Int], gamma: Double = 0.1, restarts: [Int] = [0], restartWeights: [Double] = [1]) {
        self.initialLR = initialLR
        self.milestones = milestones
        self.gamma = gamma
        self.restarts = restarts
        self.restartWeights = restartWeights
    }

    /// The learning rate after `epoch` steps (epoch 0 = construction), replaying the recursive rule.
    public func learningRate(epoch: Int) -> Double {
        var lr = initialLR
        for e in 0...max(0, epoch) {
            if let r = restarts.firstIndex(of: e) {
                lr = initialLR * restartWeights[r]
            } else if milestones.contains(e) {
                lr *= Kernels.power(gamma, milestones.filter { $0 == e }.count)
            }
        }
        return lr
    }

    /// The learning rate BasicSR uses at (1-based) iteration `iter`.
    public func learningRate(iteration iter: Int) -> Double { learningRate(epoch: max(0, iter - 1)) }
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
