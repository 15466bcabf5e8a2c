import SISRCore

/// The built-in demo zoo: models that need no downloaded weights, so the default build runs
/// anywhere. Classical upsamplers (nearest, bilinear, bicubic, Lanczos-3) and small-width EDSR, RCAN,
/// RDN and RRDBNet networks whose weights come from a pinned seed: **untrained** (`loss` label
/// `untrained`, family `demo`). `manifests/demo-zoo.json` is this zoo written out (a test keeps
/// them equal).
public enum DemoZoo {
    /// The seed all demo network weights derive from (with the model name as stream name).
    public static let weightSeed: UInt64 = 20221020

    public static let zoo: Zoo = {
        var models = [ZooEntry]()
        for scale in [2, 4] {
            for (arch, method) in [("Nearest", "nearest"), ("Bilinear", "bilinear"), ("Bicubic", "bicubic"), ("Lanczos3", "lanczos3")] {
                let name = "\(arch)-NA-x\(scale)-NA-NA"
                models.append(ZooEntry(
                    name: name,
                    labels: Labels(model: name, architecture: arch, scale: "x\(scale)", loss: "NA", dataset: "NA",
                                   seed: "NA", pretrained: "false", family: "demo"),
                    scale: scale, architecture: .init(engine: "classical", config: ["method": .string(method)]),
                    weights: nil, runnable: true, note: "classical upsampler, no weights"))
            }
        }
        let nets: [(String, [String: JSONValue])] = [
            ("EDSR", ["num_feat": .int(16), "num_block": .int(2), "res_scale": .int(1), "img_range": .int(255)]),
            ("RCAN", ["num_feat": .int(16), "num_group": .int(2), "num_block": .int(2), "squeeze_factor": .int(4),
                      "res_scale": .int(1), "img_range": .int(255)]),
            ("RDN", ["num_feat": .int(16), "num_block": .int(2), "num_layer": .int(3), "num_grow_ch": .int(16), "img_range": .int(255)]),
            ("RRDBNet", ["num_feat": .int(16), "num_block": .int(1), "num_grow_ch": .int(8)]),
        ]
        for scale in [2, 4] {
            for (arch, config) in nets {
                let name = "\(arch)-NA-x\(scale)-untrained-s1"
                var cfg = config
                cfg[arch == "RRDBNet" ? "scale" : "upscale"] = .int(Int64(scale))
                models.append(ZooEntry(
                    name: name,
                    labels: Labels(model: name, architecture: arch, scale: "x\(scale)", loss: "untrained", dataset: "NA",
                                   seed: "s1", pretrained: "false", family: "demo"),
                    scale: scale, architecture: .init(engine: arch, config: cfg),
                    weights: .init(file: nil, sha256: nil, format: "seeded-init", keyLayout: "basicsr", container: nil,
                                   source: "deterministic random initialisation from seed \(weightSeed) and the model name",
                                   seed: weightSeed),
                    runnable: true, note: "UNTRAINED: small-width network with seeded random weights, for pipeline tests only"))
            }
        }
        return Zoo(name: "demo",
                   description: "Built-in demo zoo: classical upsamplers and small untrained networks with seeded weights. Not the paper's models.",
                   models: models)
    }()
}
