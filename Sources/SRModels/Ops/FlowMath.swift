import Foundation
import SISRCore

/// The transcendental functions of the normalising-flow networks (NCSR) and of their latent
/// sampling, kept in this one place so that they can switch to the engine's deterministic versions
/// (no libm in output paths) without touching the networks.
enum FlowMath {
    static func exp(_ x: Float) -> Float { Foundation.expf(x) }

    /// `1 / (1 + exp(-x))`, as `torch.sigmoid`.
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    /// A standard normal deviate by Box-Muller (one per pair of uniforms, cosine branch).
    static func gaussian(_ rng: inout SeededRandom) -> Double {
        let u1 = 1 - rng.nextDouble(), u2 = rng.nextDouble()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }
}

/// Latent noise for sampling a flow: one tensor per named latent (`"z"` for the top, `"split<level>"`
/// for the split priors), each `heat * N(0, 1)` drawn from `SeededRandom(seed:, "ncsr-latent", name)`,
/// or given explicitly (tests compare with a reference that was handed the same noise).
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
            let n = shape.reduce(1, *)
            guard heat != 0 else { return Tensor(zeros: shape) }
            var rng = SeededRandom(seed: seed, "ncsr-latent", name)
            return Tensor(shape: shape, data: (0..<n).map { _ in Float(heat * FlowMath.gaussian(&rng)) })
        }
    }
}
