/// `pixel_opt`: BasicSR `L1Loss` or `MSELoss`.
public struct PixelLossOptions: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case l1 = "L1Loss"
        case mse = "MSELoss"
    }

    public var kind: Kind
    public var lossWeight: Double
    /// `mean` (default) or `sum`.
    public var reduction: String

    init(_ node: OptionNode) throws {
        let m = try node.map(allowed: ["type", "loss_weight", "reduction"])
        kind = Kind(rawValue: try m.choice("type", Kind.allCases.map(\.rawValue)))!
        lossWeight = try m.double("loss_weight") ?? 1
        reduction = try m.choice("reduction", ["mean", "sum"], default: "mean")
    }
}

/// `criterion` of the perceptual losses: `l1` (BasicSR's default) or `l2` (MSE, mean over elements).
public enum FeatureCriterion: String, Sendable, CaseIterable {
    case l1, l2
}

/// `perceptual_opt`: BasicSR's VGG `PerceptualLoss`, or sisr's ``ResNetPerceptualLoss``.
public enum PerceptualLossOptions: Sendable, Equatable {
    case vgg(VGGPerceptualLoss)
    case resnet(ResNetPerceptualLoss)

    init(_ node: OptionNode) throws {
        let type = try node.entries().first(where: { $0.key == "type" })?.value.string()
        switch type {
        case "PerceptualLoss": self = .vgg(try VGGPerceptualLoss(node))
        case ResNetPerceptualLoss.typeName: self = .resnet(try ResNetPerceptualLoss(node))
        case let other:
            throw node.fail(
                other.map { "type '\($0)' is not supported (supported: PerceptualLoss, \(ResNetPerceptualLoss.typeName))" }
                    ?? "missing key 'type'")
        }
    }

    /// The feature layers and their weights, in file order.
    public var layerWeights: [LayerWeight] {
        switch self {
        case .vgg(let v): return v.layerWeights
        case .resnet(let r): return r.layerWeights
        }
    }

    public var perceptualWeight: Double {
        switch self {
        case .vgg(let v): return v.perceptualWeight
        case .resnet(let r): return r.perceptualWeight
        }
    }

    public var criterion: FeatureCriterion {
        switch self {
        case .vgg(let v): return v.criterion
        case .resnet(let r): return r.criterion
        }
    }
}

public struct LayerWeight: Sendable, Equatable {
    public var layer: String
    public var weight: Double
}

/// The options both perceptual losses share (BasicSR's `PerceptualLoss` arguments).
struct FeatureLossFields {
    var layerWeights: [LayerWeight]
    var useInputNorm: Bool
    var rangeNorm: Bool
    var perceptualWeight: Double
    var criterion: FeatureCriterion

    static let keys = ["type", "layer_weights", "use_input_norm", "range_norm", "perceptual_weight", "criterion"]

    init(_ m: OptionMap, layers: [String], defaultCriterion: FeatureCriterion) throws {
        let lw = try m.required("layer_weights")
        layerWeights = try lw.entries().map { key, value in
            guard layers.contains(key) else { throw value.fail("unknown layer (known: \(layers.joined(separator: ", ")))") }
            return LayerWeight(layer: key, weight: try value.double())
        }
        guard !layerWeights.isEmpty else { throw lw.fail("needs at least one layer") }
        useInputNorm = try m.bool("use_input_norm") ?? true
        rangeNorm = try m.bool("range_norm") ?? false
        perceptualWeight = try m.double("perceptual_weight") ?? 1
        criterion = FeatureCriterion(
            rawValue: try m.choice("criterion", FeatureCriterion.allCases.map(\.rawValue), default: defaultCriterion.rawValue))!
    }
}

/// BasicSR `PerceptualLoss` on torchvision VGG19 features (`conv5_4` = before the ReLU, `relu5_4`
/// after). Style loss is not supported (`style_weight` must be 0).
public struct VGGPerceptualLoss: Sendable, Equatable {
    public var layerWeights: [LayerWeight]
    /// Always `vgg19`.
    public var vggType: String
    public var useInputNorm: Bool
    public var rangeNorm: Bool
    public var perceptualWeight: Double
    public var criterion: FeatureCriterion

    /// torchvision VGG19's layer names as BasicSR spells them.
    public static let layers: [String] = {
        let blocks = [2, 2, 4, 4, 4]
        return blocks.enumerated().flatMap { b, n -> [String] in
            (1...n).flatMap { ["conv\(b + 1)_\($0)", "relu\(b + 1)_\($0)"] } + ["pool\(b + 1)"]
        }
    }()

    init(_ node: OptionNode) throws {
        let m = try node.map(allowed: FeatureLossFields.keys + ["vgg_type", "style_weight"])
        let f = try FeatureLossFields(m, layers: Self.layers, defaultCriterion: .l1)
        vggType = try m.choice("vgg_type", ["vgg19"], default: "vgg19")
        if let style = try m.double("style_weight"), style != 0 { throw m.fail("style_weight", "style loss is not supported (use 0)") }
        (layerWeights, useInputNorm, rangeNorm, perceptualWeight, criterion) =
            (f.layerWeights, f.useInputNorm, f.rangeNorm, f.perceptualWeight, f.criterion)
    }
}

/// sisr's perceptual loss on torchvision ResNet18 features (ImageNet weights, eval mode, frozen; input
/// normalised like the VGG loss), registered with BasicSR by the `sisr_basicsr` package:
/// `{type: ResNetPerceptualLoss, layer_weights: {layer3: 1.0}, resnet_type: resnet18, criterion: l2}`.
/// `layerN` is the output of torchvision's `layerN` (layer3: 256 channels, stride 16).
public struct ResNetPerceptualLoss: Sendable, Equatable {
    public static let typeName = "ResNetPerceptualLoss"
    public static let layers = ["conv1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"]

    public var layerWeights: [LayerWeight]
    /// Always `resnet18`.
    public var resnetType: String
    public var useInputNorm: Bool
    public var rangeNorm: Bool
    public var perceptualWeight: Double
    public var criterion: FeatureCriterion

    init(_ node: OptionNode) throws {
        let m = try node.map(allowed: FeatureLossFields.keys + ["resnet_type"])
        let f = try FeatureLossFields(m, layers: Self.layers, defaultCriterion: .l1)
        resnetType = try m.choice("resnet_type", ["resnet18"], default: "resnet18")
        (layerWeights, useInputNorm, rangeNorm, perceptualWeight, criterion) =
            (f.layerWeights, f.useInputNorm, f.rangeNorm, f.perceptualWeight, f.criterion)
    }
}

/// `gan_opt`: BasicSR `GANLoss` (vanilla = BCE with logits against constant labels).
public struct GANLossOptions: Sendable, Equatable {
    public var ganType: String
    public var realLabelVal: Double
    public var fakeLabelVal: Double
    /// Applies to the generator's adversarial term only (the discriminator's loss weight is 1).
    public var lossWeight: Double

    init(_ node: OptionNode) throws {
        let m = try node.map(allowed: ["type", "gan_type", "real_label_val", "fake_label_val", "loss_weight"])
        _ = try m.choice("type", ["GANLoss"])
        ganType = try m.choice("gan_type", ["vanilla"])
        realLabelVal = try m.double("real_label_val") ?? 1
        fakeLabelVal = try m.double("fake_label_val") ?? 0
        lossWeight = try m.double("loss_weight") ?? 1
    }
}
