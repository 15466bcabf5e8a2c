import SISRCore
import SISREngine

/// The transcendental functions of the normalising-flow networks (NCSR): the engine's deterministic
/// versions (no libm in output paths).
enum FlowMath {
    static func exp(_ x: Float) -> Float { DMath.exp(x) }

    /// `1 / (1 + exp(-x))`, as `torch.sigmoid`.
    static func sigmoid(_ x: Float) -> Float { DMath.sigmoid(x) }
}

/// Latent noise for sampling a flow: one tensor per named latent (`"z"` for the top, `"split<level>"`
/// for the split priors), each `heat * N(0, 1)` with the normals of ``seededNormals(_:count:)`` from
/// `SeededRandom(seed:, "ncsr-latent", name)` rounded to float32, or given explicitly (tests compare
/// with a reference that was handed the same noise).
public struct FlowNoise: Sendable {
    public enum Source: Sendable {
        case seeded(seed: UInt64, heat: Double)
        case explicit([String: Tensor])
    }

    public let source: Source

    public init(_ source: Source) { self.source = source }

    /// The latent `name` of shape `shape` (zeros at heat 0).
    func sample(_ name: String, shape: [Int]) -> Tensor {
        switch source {
        case let .explicit(tensors):
            guard let t = tensors[name] else { preconditionFailure("FlowNoise: no explicit latent '\(name)'") }
            precondition(t.count == shape.reduce(1, *), "FlowNoise: latent '\(name)' has shape \(t.shape), need \(shape)")
            return t.reshaped(shape)
        case let .seeded(seed, heat):
            guard heat != 0 else { return Tensor(zeros: shape) }
            var rng = SeededRandom(seed: seed, "ncsr-latent", name)
            return Tensor(shape: shape, data: seededNormals(&rng, count: shape.reduce(1, *)).map { Float(heat * $0) })
        }
    }
}
