import Foundation
import SRModels

/// The trainable generator for an architecture and its BasicSR `network_g` arguments (JSON object,
/// keys as the SRModels configuration types, which validate them).
public func makeTrainableGenerator(_ arch: Architecture, configJSON: Data, seed: UInt64) throws -> TrainableNetwork {
    let config = try arch.resolveConfig(configJSON: configJSON, stateDict: nil, scale: nil)
    switch config {
    case let c as EDSRConfig: return TrainableEDSR(c, seed: seed)
    case let c as RCANConfig: return TrainableRCAN(c, seed: seed)
    case let c as RDNConfig: return TrainableRDN(c, seed: seed)
    case let c as RRDBNetConfig: return TrainableRRDBNet(c, seed: seed)
    default:
        throw ModelError.invalidConfig("training \(arch.rawValue) is not supported (trainable: edsr, rcan, rdn, rrdbnet)")
    }
}

extension ParameterList {
    /// Copies every parameter and buffer value of `other` (same keys, same order).
    public func copyValues(from other: ParameterList) {
        for (a, b) in zip(parameters, other.parameters) { a.value = b.value }
        for (a, b) in zip(buffers, other.buffers) {
            a.value = b.value
            a.integer = b.integer
        }
    }

    /// The state dict with keys `prefix + key` stripped of `prefix` (fixtures store several networks).
    public func load(prefixed dict: StateDict, prefix: String, source: String) throws {
        var d = StateDict()
        for (k, v) in dict where k.hasPrefix(prefix) { d[String(k.dropFirst(prefix.count))] = v }
        try load(d, source: source)
    }
}
