import SRModels

/// BasicSR `PerceptualLoss` (style weight 0): `perceptual_weight * sum_k w_k * criterion(f_k(x),
/// f_k(gt))` over the feature network's layers, with `criterion` L1 or MSE ("l1" / "l2"); the target's
/// features are computed without gradient.
public struct PerceptualLoss {
    public enum Criterion: String, Sendable { case l1, l2 }

    public let network: FeatureNetwork
    public let layerWeights: [String: Float]
    public let criterion: Criterion
    public let weight: Float

    public init(network: FeatureNetwork, layerWeights: [String: Float], criterion: Criterion, weight: Float) {
        self.network = network
        self.layerWeights = layerWeights
        self.criterion = criterion
        self.weight = weight
    }

    public func callAsFunction(_ x: Variable, _ gt: Variable) -> Variable {
        let fx = network.features(x), fg = network.features(gt.detached())
        let terms = layerWeights.keys.sorted().map { k -> (loss: Variable, weight: Float) in
            let a = fx[k]!, b = fg[k]!.detached()
            return (criterion == .l1 ? l1Loss(a, b) : mseLoss(a, b), layerWeights[k]!)
        }
        return weightedSum(terms.map { ($0.loss, $0.weight * weight) })
    }
}
