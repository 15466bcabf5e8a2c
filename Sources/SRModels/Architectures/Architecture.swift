import SISRCore
import SISREngine
import Foundation

/// The architectures the engine can build. Names are the lower-case CLI / manifest names.
public enum Architecture: String, CaseIterable, Codable, Sendable {
    case edsr, rcan, rdn, rrdbnet, swinir, nlsn
    case srfbn, san, drn, liif
    case prosr, enhancenet, spsr, ncsr

    /// The architecture called `name` (case-insensitive), or ``ModelError/unknownArchitecture(_:)``.
    public init(named name: String) throws {
        guard let a = Architecture(rawValue: name.lowercased()) else { throw ModelError.unknownArchitecture(name) }
        self = a
    }

    /// The `Codable` configuration type of this architecture.
    public var configType: any ArchitectureConfig.Type {
        switch self {
        case .edsr: return EDSRConfig.self
        case .rcan: return RCANConfig.self
        case .rdn: return RDNConfig.self
        case .rrdbnet: return RRDBNetConfig.self
        case .swinir: return SwinIRConfig.self
        case .nlsn: return NLSNConfig.self
        case .srfbn: return SRFBNConfig.self
        case .san: return SANConfig.self
        case .drn: return DRNConfig.self
        case .liif: return LIIFConfig.self
        case .prosr: return ProSRConfig.self
        case .enhancenet: return EnhanceNetConfig.self
        case .spsr: return SPSRConfig.self
        case .ncsr: return NCSRConfig.self
        }
    }

    /// Builds a network from a checkpoint's state dict (already unwrapped from `params`/`module.`).
    ///
    /// - Parameters:
    ///   - configJSON: a JSON object whose keys mirror the constructor arguments (nil = all defaults).
    ///     Values that the checkpoint's shapes determine are inferred; giving a different one is an error.
    ///   - stateDict: the parameters, in BasicSR or a recognised official layout (see ``KeyLayout``).
    ///   - name: names the checkpoint in errors.
    ///   - scale: if given, must equal the checkpoint's scale.
    ///   - strict: when true (default), unused keys are an error too.
    public func build(
        configJSON: Data? = nil, stateDict: StateDict, name: String, scale: Int? = nil, strict: Bool = true
    ) throws -> any SRNetwork {
        let dict = KeyLayout.detect(stateDict, for: self).toBasicSR(stateDict)
        return try Self.build(configType, json: configJSON, checkpoint: CheckpointShapes(dict, name: name), scale: scale, strict: strict)
    }

    /// Builds a network with seeded random weights (for demos and benchmarks).
    public func random(configJSON: Data? = nil, scale: Int? = nil, seed: UInt64) throws -> any SRNetwork {
        try Self.build(configType, json: configJSON, checkpoint: nil, scale: scale, seed: seed)
    }

    /// The configuration that ``build(configJSON:stateDict:name:scale:strict:)`` would use.
    public func resolveConfig(configJSON: Data?, stateDict: StateDict?, name: String = "checkpoint", scale: Int?) throws
        -> any ArchitectureConfig
    {
        let ck = stateDict.map { CheckpointShapes(KeyLayout.detect($0, for: self).toBasicSR($0), name: name) }
        return try Self.resolve(configType, json: configJSON, checkpoint: ck, scale: scale)
    }

    private static func build<C: ArchitectureConfig>(
        _ type: C.Type, json: Data?, checkpoint: CheckpointShapes?, scale: Int?, strict: Bool = true, seed: UInt64 = 0
    ) throws -> any SRNetwork {
        let config = try resolve(type, json: json, checkpoint: checkpoint, scale: scale)
        let store = checkpoint.map { WeightStore($0.dict, name: $0.name) } ?? WeightStore.random(seed: seed)
        let net = config.makeNetwork(WeightScope(store))
        try store.finish(strict: strict)
        return net
    }

    /// Decodes the user's JSON over the defaults, fills in what the checkpoint determines, checks that
    /// the user did not contradict it, applies `scale`, and validates.
    static func resolve<C: ArchitectureConfig>(
        _ type: C.Type, json: Data?, checkpoint: CheckpointShapes?, scale: Int?
    ) throws -> C {
        let userKeys = try jsonObject(json ?? Data("{}".utf8), what: "configuration")
        let known = Set((try CanonicalJSON.toValue(C()).objectValue ?? [:]).keys)
        if let unknown = userKeys.keys.sorted().first(where: { !known.contains($0) }) {
            throw ModelError.invalidConfig("unknown key '\(unknown)' (known: \(known.sorted().joined(separator: ", ")))")
        }
        var config: C
        do { config = try JSONDecoder().decode(C.self, from: json ?? Data("{}".utf8)) } catch {
            throw ModelError.invalidConfig("cannot decode the configuration: \(error)")
        }
        if let checkpoint {
            config = try config.inferred(from: checkpoint)
            let inferred = try CanonicalJSON.toValue(config).objectValue ?? [:]
            for key in C.inferredKeys {
                if let given = userKeys[key], let found = inferred[key], !sameJSONValue(given, found) {
                    throw ModelError.invalidConfig("\(key) = \(given) contradicts the checkpoint \(checkpoint.name), which has \(found)")
                }
            }
            if let scale, scale != config.upscaleFactor, C.outputScaleIsFree {
                config.upscaleFactor = scale
            } else if let scale, scale != config.upscaleFactor {
                throw ModelError.invalidConfig("scale \(scale) requested, but \(checkpoint.name) is a x\(config.upscaleFactor) model")
            }
        } else if let scale {
            config.upscaleFactor = scale
        }
        try config.validate()
        return config
    }

    private static func jsonObject(_ data: Data, what: String) throws -> [String: JSONValue] {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data), let dict = value.objectValue else {
            throw ModelError.invalidConfig("the \(what) is not a JSON object")
        }
        return dict
    }

    /// Equal JSON values, numbers compared by value (the user's `64` is the checkpoint's `64.0`).
    private static func sameJSONValue(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case let (.array(x), .array(y)): return x.count == y.count && zip(x, y).allSatisfy { sameJSONValue($0, $1) }
        case let (.object(x), .object(y)):
            return Set(x.keys) == Set(y.keys) && x.allSatisfy { k, v in y[k].map { sameJSONValue(v, $0) } ?? false }
        default:
            if let x = a.doubleValue, let y = b.doubleValue { return x == y }
            return a == b
        }
    }
}
