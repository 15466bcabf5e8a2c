import Foundation
import SISRCore
import SRModels

/// `network_g`: the generator, mapped onto the engine's configuration of its architecture.
///
/// The keys are the constructor arguments of the BasicSR architecture (`EDSR`, `RCAN`, `RRDBNet`,
/// `SwinIR`) or of the `sisr_basicsr` one (`RDN`, `NLSN`), which BasicSR passes as keyword arguments.
/// Keys that the engine's configuration has are passed through (so the configuration's own validation
/// applies); keys that only matter in PyTorch must hold the one value the engine implements, or are
/// training-only (dropout rates, gradient checkpointing) and kept in ``trainingOnly``.
public struct GeneratorOptions: Sendable {
    /// `type` as written (`EDSR`, `RCAN`, `RDN`, `RRDBNet`, `SwinIR`, `NLSN`).
    public var type: String
    public var architecture: Architecture
    /// The validated engine configuration (what `sisr build` / `sisr upscale` use for this network).
    public var config: any ArchitectureConfig
    /// Training-only values (e.g. SwinIR `drop_path_rate`), by key.
    public var trainingOnly: [String: Double]

    init(_ node: OptionNode) throws {
        let entries = try node.entries()
        guard let typeNode = entries.first(where: { $0.key == "type" })?.value else { throw node.fail("missing key 'type'") }
        let name = try typeNode.string()
        type = name
        guard let schema = GeneratorSchema.all.first(where: { $0.type == name }) else {
            throw typeNode.fail("'\(name)' is not supported (supported: \(GeneratorSchema.all.map(\.type).joined(separator: ", ")))")
        }
        architecture = schema.architecture
        let m = try node.map(allowed: ["type"] + schema.configKeys + schema.fixed.map(\.key) + schema.trainingOnly)
        for key in schema.required where m[key] == nil { throw node.fail("missing key '\(key)' (BasicSR's \(type) needs it)") }
        var json: [String: JSONValue] = [:]
        for key in schema.configKeys { if let v = m[key] { json[key] = try v.jsonValue() } }
        for (key, wanted) in schema.fixed {
            if let v = m[key], try v.scalar() != wanted {
                throw v.fail("the engine implements only \(wanted.kind)")
            }
        }
        trainingOnly = [:]
        for key in schema.trainingOnly {
            guard let v = m[key] else { continue }
            if case .bool(let b) = try v.scalar() { trainingOnly[key] = b ? 1 : 0 } else { trainingOnly[key] = try v.double() }
        }
        let data = Data(CanonicalJSON.string(.object(json)).utf8)
        do { config = try architecture.resolveConfig(configJSON: data, stateDict: nil, scale: nil) } catch {
            throw node.fail("\(error)")
        }
    }

    /// The engine configuration as the JSON the zoo manifest and `--config` use (sorted keys).
    public var configJSON: Data {
        get throws { Data(try CanonicalJSON.encode(config)) }
    }
}

/// What each generator `type` accepts.
struct GeneratorSchema {
    let type: String
    let architecture: Architecture
    /// Keys passed to the engine configuration (same names).
    let configKeys: [String]
    /// Keys BasicSR's constructor has no default for.
    let required: [String]
    /// PyTorch-side keys with the only value the engine implements.
    let fixed: [(key: String, value: OptionScalar)]
    /// Keys that change training but not the network's function.
    let trainingOnly: [String]

    /// A convolutional network whose constructor takes `num_in_ch, num_out_ch` (no defaults) and then
    /// the engine configuration's keys.
    static func convolutional(_ type: String, _ architecture: Architecture, _ keys: [String]) -> GeneratorSchema {
        let channels = ["num_in_ch", "num_out_ch"]
        return GeneratorSchema(
            type: type, architecture: architecture, configKeys: channels + keys, required: channels, fixed: [],
            trainingOnly: [])
    }

    static let all: [GeneratorSchema] = [
        convolutional("EDSR", .edsr, ["num_feat", "num_block", "upscale", "res_scale", "img_range", "rgb_mean"]),
        convolutional(
            "RCAN", .rcan,
            ["num_feat", "num_group", "num_block", "squeeze_factor", "upscale", "res_scale", "img_range", "rgb_mean"]),
        convolutional("RDN", .rdn, ["num_feat", "num_block", "num_layer", "num_grow_ch", "upscale", "img_range"]),
        convolutional("RRDBNet", .rrdbnet, ["scale", "num_feat", "num_block", "num_grow_ch"]),
        GeneratorSchema(
            type: "SwinIR", architecture: .swinir,
            configKeys: [
                "upscale", "img_size", "window_size", "embed_dim", "depths", "num_heads", "mlp_ratio", "upsampler",
                "resi_connection", "img_range",
            ],
            required: [],
            fixed: [
                ("in_chans", .int(3)), ("patch_size", .int(1)), ("qkv_bias", .bool(true)), ("qk_scale", .null),
                ("ape", .bool(false)), ("patch_norm", .bool(true)),
            ],
            trainingOnly: ["drop_rate", "attn_drop_rate", "drop_path_rate", "use_checkpoint"]),
        GeneratorSchema(
            type: "NLSN", architecture: .nlsn,
            configKeys: [
                "scale", "n_resblocks", "n_feats", "res_scale", "chunk_size", "n_hashes", "reduction", "rgb_range",
                "hash_seed",
            ],
            required: [], fixed: [], trainingOnly: []),
    ]
}

/// `network_d`: BasicSR's `VGGStyleDiscriminator(num_in_ch, num_feat, input_size)`.
public struct DiscriminatorOptions: Sendable, Equatable {
    public var type: String
    public var numInCh: Int
    public var numFeat: Int
    /// 128 or 256; must equal the training `gt_size`.
    public var inputSize: Int

    init(_ node: OptionNode) throws {
        let m = try node.map(allowed: ["type", "num_in_ch", "num_feat", "input_size"])
        type = try m.choice("type", ["VGGStyleDiscriminator"])
        numInCh = try m.required("num_in_ch").int()
        numFeat = try m.required("num_feat").int()
        inputSize = try m.int("input_size") ?? 128
        guard numInCh == 3 else { throw m.fail("num_in_ch", "only RGB (3) is supported") }
        guard numFeat > 0 else { throw m.fail("num_feat", "must be positive") }
        guard [128, 256].contains(inputSize) else { throw m.fail("input_size", "must be 128 or 256, not \(inputSize)") }
    }
}

extension OptionNode {
    /// A scalar or a list of scalars as a JSON value (for engine configurations).
    func jsonValue() throws -> JSONValue {
        if case .sequence = node { return .array(try list().map { try $0.jsonValue() }) }
        switch try scalar() {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(Int64(i))
        case .float(let d):
            guard d.isFinite else { throw fail("\(d) is not a finite number") }
            return .double(d)
        case .string(let s): return .string(s)
        }
    }
}
