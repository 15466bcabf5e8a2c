import Foundation
import SISRCore

/// A BasicSR 1.4.2 training option file (`options/train/*.yml`), restricted to the subset the paper's
/// grid needs and typed. Every key outside that subset is refused with an error naming its key path and
/// the file; nothing is silently ignored. Values follow PyYAML's rules, as BasicSR reads them (so
/// `lr: 1e-4` is refused as a string; write `!!float 1e-4`).
///
/// Apart from sisr-only HR-only datasets (no `dataroot_lq`), a file this type accepts is one BasicSR
/// runs: the keys BasicSR indexes directly are required here too. RDN, NLSN and
/// `ResNetPerceptualLoss` need the `sisr_basicsr` Python package to be imported (see
/// ``needsSISRBasicSR``).
public struct TrainingOptions: Sendable {
    public enum ModelType: String, Sendable, CaseIterable {
        case srModel = "SRModel"
        case srganModel = "SRGANModel"
    }

    /// `num_gpu`: a count, or `auto` (all visible GPUs).
    public enum GPUCount: Sendable, Equatable {
        case auto
        case count(Int)
    }

    /// The file the options came from (as given), for messages.
    public var file: String
    public var name: String
    public var modelType: ModelType
    public var scale: Int
    public var numGPU: GPUCount
    /// `manual_seed`; BasicSR draws a random one when absent.
    public var manualSeed: Int?
    /// `datasets.train`.
    public var trainDataset: DatasetOptions
    /// `datasets.val`, `datasets.val_<x>`, in file order.
    public var valDatasets: [DatasetOptions]
    public var networkG: GeneratorOptions
    public var networkD: DiscriminatorOptions?
    public var path: PathOptions
    public var train: TrainOptions
    public var val: ValidationOptions?
    public var logger: LoggerOptions

    static let topLevelKeys = [
        "name", "model_type", "scale", "num_gpu", "manual_seed", "datasets", "network_g", "network_d", "path",
        "train", "val", "logger",
    ]

    /// Reads and checks the option file at `path`.
    public static func load(path: String) throws -> TrainingOptions {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw SISRError.io(path: path, problem: "cannot read the option file (\(error.localizedDescription))")
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses option-file text; `file` names it in errors.
    public static func parse(yaml: String, file: String) throws -> TrainingOptions {
        try TrainingOptions(OptionNode.root(yaml: yaml, file: file))
    }

    init(_ node: OptionNode) throws {
        let m = try node.map(allowed: Self.topLevelKeys)
        file = node.file
        name = try m.required("name").string()
        modelType = ModelType(rawValue: try m.choice("model_type", ModelType.allCases.map(\.rawValue)))!
        scale = try m.required("scale").int()
        guard [1, 2, 3, 4, 8].contains(scale) else { throw m.fail("scale", "must be 1, 2, 3, 4 or 8, not \(scale)") }
        let gpu = try m.required("num_gpu")
        if case .string("auto") = try gpu.scalar() { numGPU = .auto } else {
            let n = try gpu.int()
            guard n >= 0 else { throw gpu.fail("must be 'auto' or a count >= 0") }
            numGPU = .count(n)
        }
        manualSeed = try m.int("manual_seed")
        (trainDataset, valDatasets) = try Self.datasets(m.required("datasets"), scale: scale)
        networkG = try GeneratorOptions(m.required("network_g"))
        networkD = try m["network_d"].map(DiscriminatorOptions.init)
        path = try PathOptions(m.required("path"))
        train = try TrainOptions(m.required("train"))
        val = try m["val"].map(ValidationOptions.init)
        logger = try LoggerOptions(m.required("logger"))
        try check(m)
    }

    private static func datasets(_ node: OptionNode, scale: Int) throws -> (DatasetOptions, [DatasetOptions]) {
        var trainSet: DatasetOptions?
        var vals: [DatasetOptions] = []
        for (key, value) in try node.entries() {
            if key == "train" {
                trainSet = try DatasetOptions(value, phase: .train)
            } else if key == "val" || key.hasPrefix("val_") {
                vals.append(try DatasetOptions(value, phase: .val))
            } else {
                throw value.fail("unknown dataset phase (supported: train, val, val_<name>)")
            }
        }
        guard let trainSet else { throw node.fail("missing key 'train'") }
        return (trainSet, vals)
    }

    /// Checks that span sections: model type vs. GAN parts, scales, crop sizes.
    private func check(_ m: OptionMap) throws {
        func fail(_ path: String, _ problem: String) -> SISRError {
            .corrupt(path: file, problem: "\(path): \(problem)")
        }
        if networkG.config.upscaleFactor != scale {
            throw fail("network_g", "upscales x\(networkG.config.upscaleFactor), but scale is \(scale)")
        }
        if let gt = trainDataset.gtSize, gt % scale != 0 {
            throw fail("datasets.train.gt_size", "\(gt) is not a multiple of scale \(scale)")
        }
        switch modelType {
        case .srModel:
            let ganKeys = [
                ("network_d", networkD != nil), ("train.gan_opt", train.ganLoss != nil), ("train.optim_d", train.optimD != nil),
                ("train.net_d_iters", train.netDItersGiven), ("train.net_d_init_iters", train.netDInitItersGiven),
            ]
            if let (key, _) = ganKeys.first(where: { $0.1 }) { throw fail(key, "only SRGANModel trains a discriminator") }
            if train.pixelLoss == nil && train.perceptualLoss == nil {
                throw fail("train", "SRModel needs pixel_opt or perceptual_opt (BasicSR: both losses are None)")
            }
        case .srganModel:
            guard let networkD else { throw fail("network_d", "SRGANModel needs a discriminator") }
            guard train.ganLoss != nil else { throw fail("train.gan_opt", "SRGANModel needs gan_opt") }
            guard train.optimD != nil else { throw fail("train.optim_d", "SRGANModel needs optim_d") }
            if let gt = trainDataset.gtSize, gt != networkD.inputSize {
                throw fail(
                    "network_d.input_size",
                    "\(networkD.inputSize) must equal datasets.train.gt_size \(gt) (VGGStyleDiscriminator asserts it)")
            }
        }
    }

    /// True when BasicSR needs `import sisr_basicsr` to build this file's networks or losses.
    public var needsSISRBasicSR: Bool {
        networkG.architecture == .rdn || networkG.architecture == .nlsn || {
            if case .resnet = train.perceptualLoss { return true } else { return false }
        }()
    }

    /// Reasons BasicSR itself cannot run this file (empty when it can): sisr-only features in use.
    public var basicSRIncompatibilities: [String] {
        ([trainDataset] + valDatasets).filter { $0.datarootLQ == nil }.map {
            "datasets: '\($0.name)' has no dataroot_lq (HR-only folders are a sisr feature)"
        }
    }
}
