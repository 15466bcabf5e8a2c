import SISRCore

/// The built-in demo zoo: models that need no downloaded weights, so the default build runs
/// anywhere. Classical upsamplers (nearest, bilinear, bicubic, Lanczos-3) and small EDSR, RCAN, RDN
/// and RRDBNet networks at x2 and x4, **trained** by `sisr train` on procedural images from the option
/// files in `manifests/demo-training/`, with the paper's two loss families: L1, and perceptual +
/// adversarial (`RandVGG_GAN`: the perceptual network is a VGG19 with seeded random weights, because
/// no ImageNet weights can be shipped; fine-tuned from the L1 network). Their checkpoints are committed
/// in `manifests/demo-weights/` (`make demo-zoo-check` retrains them and compares bit for bit). `manifests/demo-zoo.json`
/// is this zoo written out (a test keeps them equal).
public enum DemoZoo {
    /// A trained demo network: its option file is `manifests/demo-training/<name>.yml`, its checkpoint
    /// `manifests/demo-weights/<name>.safetensors` (`sisr train`'s `net_g_<total_iter>.safetensors`).
    public struct TrainedNetwork: Sendable {
        public let architecture: String
        public let scale: Int
        public let loss: String
        public let sha256: String
        public var name: String { "\(architecture)-demo-x\(scale)-\(loss)-s1" }
    }

    /// The two loss families of the demo networks.
    public static let losses = ["L1", "RandVGG_GAN"]

    /// SHA-256 of every committed demo checkpoint (name -> hash).
    static let checkpointHashes: [String: String] = [
        "EDSR-demo-x2-L1-s1": "83daf76e15ba5c04f253a8e211e436bf7c24aee26df8fc887edcf9d4fcbc6bfc",
        "EDSR-demo-x4-L1-s1": "c0bcca25a6548aa92b999726f3141b54de3042025ea531b84032c91499e0bcc1",
        "EDSR-demo-x4-RandVGG_GAN-s1": "d3b0e9b255f9b5fb33961aa0818826fc01c0f826ee56b79bdd158bad65a0e83a",
        "RCAN-demo-x2-L1-s1": "9e0dee0181facb656d273422028881fd2fecf299d03feffa331599c45b6a0eab",
        "RCAN-demo-x4-L1-s1": "e2eeeb7bddbb671eacd1173568936047246026d14951ff44aeee7aa08d7cd3d3",
        "RCAN-demo-x4-RandVGG_GAN-s1": "b1fc47c9f706c032c2f7215ad9d20ac156e05a85b43d1878f5fee341a0145d64",
        "RDN-demo-x2-L1-s1": "dd3ea311c13034e89d59c59e959152dd39df6eba6453a3cdea5999ace63153a8",
        "RDN-demo-x4-L1-s1": "1a7bb21ebfdb1877c343ad020be633f982d94e3a34ba901c7fbec206a75a1880",
        "RDN-demo-x4-RandVGG_GAN-s1": "cb3c958c5c3bf76408a825e559990ac01aa082ae5d86848cc176fa5da8eb0559",
        "RRDBNet-demo-x2-L1-s1": "210f2d8458cfd77b648d9983fbdd18c1a027d8f1bf634ae77364d6c08f48f471",
        "RRDBNet-demo-x4-L1-s1": "2356e1c0efac457136f0482bec21b8a3b20c668c77bbe5c94a4251840ef14c0c",
        "RRDBNet-demo-x4-RandVGG_GAN-s1": "697c267deb1cf5c7d09997fd3d34fe91a1b08c166fcb2512880568c0167a253b",
    ]

    /// Architecture configs (the option files' `network_g`, without `type` and the channel counts).
    static let configs: [(String, [String: JSONValue])] = [
        ("EDSR", ["num_feat": .int(16), "num_block": .int(2), "res_scale": .int(1), "img_range": .int(255)]),
        ("RCAN", ["num_feat": .int(16), "num_group": .int(2), "num_block": .int(2), "squeeze_factor": .int(4),
                  "res_scale": .int(1), "img_range": .int(255)]),
        ("RDN", ["num_feat": .int(16), "num_block": .int(2), "num_layer": .int(3), "num_grow_ch": .int(16), "img_range": .int(255)]),
        ("RRDBNet", ["num_feat": .int(16), "num_block": .int(1), "num_grow_ch": .int(8)]),
    ]

    /// Every trained demo network, in zoo order.
    /// L1 at x2 and x4; the GAN family at x4 only (as ESRGAN-style training usually is).
    public static let networks: [TrainedNetwork] = losses.flatMap { loss in
        (loss == "L1" ? [2, 4] : [4]).flatMap { scale in
            configs.map { arch, _ in
                let name = "\(arch)-demo-x\(scale)-\(loss)-s1"
                return TrainedNetwork(architecture: arch, scale: scale, loss: loss, sha256: checkpointHashes[name] ?? "")
            }
        }
    }

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
        for net in networks {
            var cfg = configs.first { $0.0 == net.architecture }!.1
            cfg[net.architecture == "RRDBNet" ? "scale" : "upscale"] = .int(Int64(net.scale))
            let gan = net.loss != "L1"
            models.append(ZooEntry(
                name: net.name,
                labels: Labels(model: net.name, architecture: net.architecture, scale: "x\(net.scale)", loss: net.loss,
                               dataset: "demo", seed: "s1", pretrained: "false", family: "demo"),
                scale: net.scale, architecture: .init(engine: net.architecture, config: cfg),
                weights: .init(file: "demo-weights/\(net.name).safetensors", sha256: net.sha256, format: "safetensors",
                               keyLayout: "basicsr", container: "params_ema",
                               source: "sisr train manifests/demo-training/\(net.name).yml"
                                   + (gan ? " --random-perceptual 1" : "")),
                runnable: true,
                note: gan
                    ? "small network fine-tuned from its L1 model with perceptual (seeded random VGG19, not ImageNet) + vanilla GAN loss on procedural images"
                    : "small network trained with L1 loss on procedural images (seed 1), manifests/demo-training"))
        }
        return Zoo(name: "demo",
                   description: "Built-in demo zoo: classical upsamplers and small networks trained by sisr train on procedural images (L1, and perceptual with a seeded random VGG19 + GAN). Not the paper's models.",
                   models: models)
    }()
}
