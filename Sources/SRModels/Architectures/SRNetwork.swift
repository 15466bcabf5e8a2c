import SISRCore
import SISREngine
import Foundation

/// A super-resolution network ready for inference.
public protocol SRNetwork: Sendable {
    /// Output size / input size.
    var scale: Int { get }
    /// Runs the network on `[1, 3, H, W]` RGB values in [0, 1]; returns `[1, 3, scale*H, scale*W]`
    /// (not clamped).
    func callAsFunction(_ x: Tensor) -> Tensor
}

/// The configuration of one architecture: a `Codable` value whose JSON keys mirror the BasicSR (or
/// reference) constructor arguments, with the same defaults when a key is absent.
public protocol ArchitectureConfig: Codable, Sendable, Equatable {
    /// The configuration with every key at its default.
    init()
    /// The overall upscaling factor.
    var upscaleFactor: Int { get set }
    /// JSON keys whose values the checkpoint's tensor shapes determine.
    static var inferredKeys: [String] { get }
    /// This configuration with the shape-determined values read from a checkpoint (in BasicSR layout).
    func inferred(from checkpoint: CheckpointShapes) throws -> Self
    /// Throws ``ModelError/invalidConfig(_:)`` for values the architecture cannot use.
    func validate() throws
    /// Builds the network, reading every parameter from `weights`.
    func makeNetwork(_ weights: WeightScope) -> any SRNetwork
}

/// Read-only questions about the keys and shapes of a checkpoint, for size inference.
public struct CheckpointShapes {
    public let dict: StateDict
    public let name: String

    public init(_ dict: StateDict, name: String) {
        self.dict = dict
        self.name = name
    }

    /// The shape of `key`, or an error naming the key if it is absent.
    public func shape(_ key: String, rank: Int? = nil) throws -> [Int] {
        guard let t = dict[key] else {
            throw ModelError.incompatibleCheckpoint(source: name, problem: "expected key '\(key)' is missing")
        }
        if let rank, t.rank != rank {
            throw ModelError.incompatibleCheckpoint(source: name, problem: "'\(key)' has shape \(t.shape), expected rank \(rank)")
        }
        return t.shape
    }

    /// How many consecutive indices `i = 0, step, 2*step, ...` have `prefix + i + suffix` present.
    public func count(_ prefix: String, _ suffix: String, step: Int = 1) -> Int {
        var i = 0
        while dict[prefix + String(i * step) + suffix] != nil { i += 1 }
        return i
    }

    /// Errors unless `value` is positive, naming what was being inferred.
    func positive(_ value: Int, _ what: String) throws -> Int {
        guard value > 0 else {
            throw ModelError.incompatibleCheckpoint(source: name, problem: "cannot infer \(what) from the checkpoint's keys")
        }
        return value
    }

    /// The scale of a sub-pixel ``Upsampler`` stored under `prefix` (convs at `prefix.0, prefix.2, ...`)
    /// that shuffles `features` channels. `extra` convs after the upsampler share the numbering.
    func upsamplerScale(_ prefix: String, features: Int, extra: Int = 0) throws -> Int {
        let convs = count(prefix + ".", ".weight", step: 2) - extra
        guard convs >= 0 else { throw ModelError.incompatibleCheckpoint(source: name, problem: "no convs under '\(prefix)'") }
        if convs == 0 { return 1 }
        let firstOut = try shape(prefix + ".0.weight")[0]
        if convs == 1 && firstOut == 9 * features { return 3 }
        guard firstOut == 4 * features else {
            throw ModelError.incompatibleCheckpoint(
                source: name, problem: "upsampler conv has \(firstOut) outputs for \(features) features")
        }
        return 1 << convs
    }
}

/// Whole-image super-resolution of an 8-bit image: planar floats in [0,1], one network call, then the
/// project's quantisation (clamp, x255, round half away from zero).
public func superResolve(_ image: RGBImage, network: any SRNetwork) -> RGBImage {
    let x = Tensor(shape: [1, 3, image.height, image.width], data: image.planarFloats())
    let y = network(x)
    let (_, _, h, w) = y.nchw
    return RGBImage.fromPlanar(y.data, width: w, height: h)
}
