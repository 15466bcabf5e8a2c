import SRModels

/// Frozen feature extractors for perceptual losses, built from a torchvision state dict (`vgg19` or
/// `resnet18`, read with the project's checkpoint reader). Only gradients with respect to the input
/// are computed.
public protocol FeatureNetwork: AnyObject {
    /// Features of the requested layers (name -> activation) for an input in [0, 1].
    func features(_ x: Variable) -> [String: Variable]
    /// The layers `features` returns.
    var layers: [String] { get }
}

func frozen(_ dict: StateDict, _ key: String, source: String) throws -> Variable {
    guard let t = dict[key] else {
        throw ModelError.incompatibleCheckpoint(source: source, problem: "expected key '\(key)' is missing")
    }
    return Variable(t)
}

let imagenetMean: [Float] = [0.485, 0.456, 0.406]
let imagenetStd: [Float] = [0.229, 0.224, 0.225]

/// BasicSR `VGGFeatureExtractor` on torchvision VGG19 (`features.{i}.weight` keys): layer names
/// `conv1_1`, `relu1_1`, ..., `pool5`; `conv*` before ReLU, `relu*` after; max pools 2x2/2; optional
/// `range_norm` ((x + 1) / 2) and ImageNet `use_input_norm`. Channel widths come from the weights, so a
/// narrow VGG19-shaped test network works too.
public final class VGG19Features: FeatureNetwork {
    public static let names: [String] = {
        var names: [String] = []
        for (block, convs) in [2, 2, 4, 4, 4].enumerated() {
            for i in 1...convs { names += ["conv\(block + 1)_\(i)", "relu\(block + 1)_\(i)"] }
            names.append("pool\(block + 1)")
        }
        return names
    }()

    public let layers: [String]
    let convs: [Int: (w: Variable, b: Variable)]
    let depth: Int
    let useInputNorm: Bool, rangeNorm: Bool

    public init(_ dict: StateDict, layers: [String], useInputNorm: Bool = true, rangeNorm: Bool = false, source: String) throws {
        for l in layers where !Self.names.contains(l) {
            throw ModelError.invalidConfig("unknown VGG19 layer '\(l)' (known: conv1_1 ... relu5_4, pool1 ... pool5)")
        }
        self.layers = layers
        depth = layers.map { Self.names.firstIndex(of: $0)! }.max() ?? -1
        var convs: [Int: (Variable, Variable)] = [:]
        for i in 0...max(0, depth) where Self.names[i].hasPrefix("conv") {
            convs[i] = (try frozen(dict, "features.\(i).weight", source: source), try frozen(dict, "features.\(i).bias", source: source))
        }
        self.convs = convs
        self.useInputNorm = useInputNorm
        self.rangeNorm = rangeNorm
    }

    /// A VGG19 with the standard widths (64 ... 512) and PyTorch-default random weights from
    /// `SeededRandom(seed, "init", key)`: the demo's stand-in when no VGG weights are given.
    public static func randomWeights(seed: UInt64, widths: [Int] = [64, 128, 256, 512, 512]) -> StateDict {
        let list = ParameterList(seed: seed)
        var cin = 3
        var index = 0
        for (block, convs) in [2, 2, 4, 4, 4].enumerated() {
            for _ in 0..<convs {
                _ = ConvLayer(LayerScope(list)["features"][index], in: cin, out: widths[block], kernel: 3)
                cin = widths[block]
                index += 2
            }
            index += 1
        }
        return list.stateDict
    }

    public func features(_ input: Variable) -> [String: Variable] {
        var x = input
        if rangeNorm { x = divided(add(x, Variable(Tensor(shape: x.shape, data: [Float](repeating: 1, count: x.value.count)))), by: 2) }
        if useInputNorm { x = normalizeChannels(x, mean: imagenetMean, std: imagenetStd) }
        var out: [String: Variable] = [:]
        for i in 0...max(0, depth) {
            let name = Self.names[i]
            if let c = convs[i] {
                x = conv2d(x, weight: c.w, bias: c.b, padding: 1)
            } else if name.hasPrefix("relu") {
                x = relu(x)
            } else {
                x = maxPool2d(x, kernel: 2, stride: 2)
            }
            if layers.contains(name) { out[name] = x }
        }
        return out
    }
}

/// torchvision ResNet18 up to a stage (`layer1` ... `layer4`), batch norm in eval mode, ImageNet
/// input normalisation: the ResNet perceptual loss of the paper's grid (names ours; BasicSR has none).
public final class ResNet18Features: FeatureNetwork {
    struct BN { let w: Tensor, b: Tensor, state: BatchNormState }
    struct Block { let conv1: Variable, bn1: BN, conv2: Variable, bn2: BN, down: (Variable, BN)?, stride: Int }

    public let layers: [String]
    let conv1: Variable, bn1: BN
    let stages: [[Block]]

    public init(_ dict: StateDict, layer: String, source: String) throws {
        guard let depth = ["layer1", "layer2", "layer3", "layer4"].firstIndex(of: layer) else {
            throw ModelError.invalidConfig("unknown ResNet18 layer '\(layer)' (known: layer1 ... layer4)")
        }
        layers = [layer]
        func bn(_ p: String) throws -> BN {
            let list = ParameterList(seed: 0)
            let state = BatchNormState(
                mean: list.addBuffer("m", value: try frozen(dict, p + ".running_mean", source: source).value),
                variance: list.addBuffer("v", value: try frozen(dict, p + ".running_var", source: source).value),
                count: list.addBuffer("n", value: Tensor(zeros: []), integer: 0))
            return BN(w: try frozen(dict, p + ".weight", source: source).value, b: try frozen(dict, p + ".bias", source: source).value, state: state)
        }
        conv1 = try frozen(dict, "conv1.weight", source: source)
        bn1 = try bn("bn1")
        stages = try (0...depth).map { s in
            try (0..<2).map { b in
                let p = "layer\(s + 1).\(b)"
                let down = dict[p + ".downsample.0.weight"] != nil
                return Block(
                    conv1: try frozen(dict, p + ".conv1.weight", source: source), bn1: try bn(p + ".bn1"),
                    conv2: try frozen(dict, p + ".conv2.weight", source: source), bn2: try bn(p + ".bn2"),
                    down: down ? (try frozen(dict, p + ".downsample.0.weight", source: source), try bn(p + ".downsample.1")) : nil,
                    stride: s > 0 && b == 0 ? 2 : 1)
            }
        }
    }

    func norm(_ x: Variable, _ b: BN) -> Variable { batchNormEval(x, weight: b.w, bias: b.b, running: b.state) }

    public func features(_ input: Variable) -> [String: Variable] {
        var x = normalizeChannels(input, mean: imagenetMean, std: imagenetStd)
        x = maxPool2d(relu(norm(conv2d(x, weight: conv1, bias: nil, stride: 2, padding: 3), bn1)), kernel: 3, stride: 2, padding: 1)
        for stage in stages {
            for blk in stage {
                var y = relu(norm(conv2d(x, weight: blk.conv1, bias: nil, stride: blk.stride, padding: 1), blk.bn1))
                y = norm(conv2d(y, weight: blk.conv2, bias: nil, padding: 1), blk.bn2)
                let identity = blk.down.map { norm(conv2d(x, weight: $0.0, bias: nil, stride: blk.stride, padding: 0), $0.1) } ?? x
                x = relu(add(identity, y))
            }
        }
        return [layers[0]: x]
    }
}
