import SISREngine

/// The official SRFBN constructor `SRFBN(in_channels, out_channels, num_features, num_steps, num_groups,
/// upscale_factor, act_type='prelu', norm_type=None)` (Paper99/SRFBN_CVPR19 `networks/srfbn_arch.py`).
/// Defaults are the released `SRFBN_x{2,3,4}_BI` models (`options/test/test_SRFBN_x4_BI.json`): 64
/// features, 4 steps, 6 groups. Everything but `num_steps` and `act_type` is read from the checkpoint.
///
/// Image convention of the official test code (`rgb_range` 255): the network sees the image in
/// [0, 255]; ``SRFBN`` takes [0, 1], multiplies by 255 and divides its output by 255, which the project's
/// clamp-and-round then quantises exactly as the official `quantize` does. The output is that of the
/// last recurrent step (the test solver keeps `SR[-1]`); the whole image is processed at once (the
/// official test uses `use_chop`, which changes the output near patch seams).
public struct SRFBNConfig: ArchitectureConfig {
    public var inChannels = 3
    public var outChannels = 3
    public var numFeatures = 64
    public var numSteps = 4
    public var numGroups = 6
    public var upscaleFactor = 4
    /// `prelu` (one learned slope per layer, the released models), `relu` or `lrelu` (slope 0.2).
    public var actType = "prelu"
    /// Only `null` (no normalisation) is supported, as in every released model.
    public var normType: String? = nil

    public init() {}

    enum CodingKeys: String, CodingKey {
        case inChannels = "in_channels", outChannels = "out_channels", numFeatures = "num_features"
        case numSteps = "num_steps", numGroups = "num_groups", upscaleFactor = "upscale_factor"
        case actType = "act_type", normType = "norm_type"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SRFBNConfig()
        inChannels = try c.value(.inChannels, d.inChannels)
        outChannels = try c.value(.outChannels, d.outChannels)
        numFeatures = try c.value(.numFeatures, d.numFeatures)
        numSteps = try c.value(.numSteps, d.numSteps)
        numGroups = try c.value(.numGroups, d.numGroups)
        upscaleFactor = try c.value(.upscaleFactor, d.upscaleFactor)
        actType = try c.value(.actType, d.actType)
        normType = try c.decodeIfPresent(String.self, forKey: .normType)
    }

    /// Writes `norm_type` as `null` too, so that it is a known key.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(inChannels, forKey: .inChannels)
        try c.encode(outChannels, forKey: .outChannels)
        try c.encode(numFeatures, forKey: .numFeatures)
        try c.encode(numSteps, forKey: .numSteps)
        try c.encode(numGroups, forKey: .numGroups)
        try c.encode(upscaleFactor, forKey: .upscaleFactor)
        try c.encode(actType, forKey: .actType)
        try c.encode(normType, forKey: .normType)
    }

    public static let inferredKeys = ["in_channels", "out_channels", "num_features", "num_groups", "upscale_factor"]

    /// The (kernel, stride, padding) of the projection (de)convolutions for each supported factor.
    static let projection: [Int: (kernel: Int, stride: Int, padding: Int)] = [
        2: (6, 2, 2), 3: (7, 3, 2), 4: (8, 4, 2), 8: (12, 8, 2),
    ]

    public func inferred(from ck: CheckpointShapes) throws -> SRFBNConfig {
        var c = self
        let first = try ck.shape("conv_in.0.weight", rank: 4)
        c.inChannels = first[1]
        c.numFeatures = try ck.shape("feat_in.0.weight", rank: 4)[0]
        c.outChannels = try ck.shape("conv_out.0.weight", rank: 4)[0]
        c.numGroups = try ck.positive(ck.count("block.upBlocks.", ".0.weight"), "num_groups")
        let kernel = try ck.shape("block.upBlocks.0.0.weight", rank: 4)[2]
        guard let factor = Self.projection.first(where: { $0.value.kernel == kernel })?.key else {
            throw ModelError.incompatibleCheckpoint(source: ck.name, problem: "deconvolution kernel \(kernel) matches no SRFBN scale")
        }
        c.upscaleFactor = factor
        return c
    }

    public func validate() throws {
        try requirePositive(["num_features": numFeatures, "num_steps": numSteps, "num_groups": numGroups])
        try requireMeanShiftable(inCh: inChannels, outCh: outChannels, mean: DIV2K.rgbMean, range: 255)
        guard Self.projection[upscaleFactor] != nil else { throw ModelError.invalidConfig("SRFBN upscale_factor must be 2, 3, 4 or 8, got \(upscaleFactor)") }
        guard ["prelu", "relu", "lrelu"].contains(actType) else { throw ModelError.invalidConfig("SRFBN act_type must be prelu, relu or lrelu, got '\(actType)'") }
        guard normType == nil else { throw ModelError.invalidConfig("SRFBN norm_type '\(normType!)' is not supported (only null)") }
    }

    public func makeNetwork(_ weights: WeightScope) -> any SRNetwork { SRFBN(config: self, weights: weights) }
}

/// SRFBN's `ConvBlock` / `DeconvBlock`: a (transposed) convolution at `.0`, then the activation at `.1`
/// (PReLU's single slope is the parameter `.1.weight`).
struct SRFBNBlock: Sendable {
    enum Kind { case conv, deconv }
    let kind: Kind
    let weight: Tensor, bias: Tensor
    let stride: Int, padding: Int
    let activation: Activation

    init(_ w: WeightScope, _ kind: Kind, in cin: Int, out cout: Int, kernel k: Int, stride: Int = 1, padding: Int? = nil,
         act: String?) {
        self.kind = kind
        let fanIn = (kind == .conv ? cin : cout) * k * k
        weight = w[0].tensor("weight", shape: kind == .conv ? [cout, cin, k, k] : [cin, cout, k, k], fanIn: fanIn)
        bias = w[0].tensor("bias", shape: [cout], fanIn: fanIn)
        self.stride = stride
        self.padding = padding ?? (k - 1) / 2
        switch act {
        case "prelu": activation = .leakyReLU(w[1].tensor("weight", shape: [1], fanIn: 1).data[0])
        case "lrelu": activation = .leakyReLU(0.2)
        case "relu": activation = .relu
        default: activation = .identity
        }
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        switch kind {
        case .conv: return conv2dStrided(x, weight: weight, bias: bias, stride: stride, padding: padding, activation: activation)
        case .deconv: return convTranspose2d(x, weight: weight, bias: bias, stride: stride, padding: padding, activation: activation)
        }
    }
}

/// The feedback block: `compress_in` fuses the input with the previous step's output, then `num_groups`
/// up/down projection pairs with dense 1x1 transitions (`uptranBlocks`, `downtranBlocks`), and
/// `compress_out` over every group's LR output.
struct FeedbackBlock: Sendable {
    let compressIn: SRFBNBlock, compressOut: SRFBNBlock
    let up: [SRFBNBlock], down: [SRFBNBlock]
    let upTran: [SRFBNBlock], downTran: [SRFBNBlock]

    init(_ w: WeightScope, _ c: SRFBNConfig) {
        let f = c.numFeatures, g = c.numGroups, p = SRFBNConfig.projection[c.upscaleFactor]!
        compressIn = SRFBNBlock(w["compress_in"], .conv, in: 2 * f, out: f, kernel: 1, act: c.actType)
        up = (0..<g).map { SRFBNBlock(w["upBlocks"][$0], .deconv, in: f, out: f, kernel: p.kernel, stride: p.stride, padding: p.padding, act: c.actType) }
        down = (0..<g).map { SRFBNBlock(w["downBlocks"][$0], .conv, in: f, out: f, kernel: p.kernel, stride: p.stride, padding: p.padding, act: c.actType) }
        upTran = (1..<max(1, g)).map { SRFBNBlock(w["uptranBlocks"][$0 - 1], .conv, in: f * ($0 + 1), out: f, kernel: 1, act: c.actType) }
        downTran = (1..<max(1, g)).map { SRFBNBlock(w["downtranBlocks"][$0 - 1], .conv, in: f * ($0 + 1), out: f, kernel: 1, act: c.actType) }
        compressOut = SRFBNBlock(w["compress_out"], .conv, in: g * f, out: f, kernel: 1, act: c.actType)
    }

    /// One recurrent step: the new hidden state (also the step's output) from `x` and the last one.
    func callAsFunction(_ x: Tensor, hidden: Tensor) -> Tensor {
        var lr = [compressIn(concatChannels([x, hidden]))]
        var hr: [Tensor] = []
        for i in up.indices {
            let l = i == 0 ? lr[0] : upTran[i - 1](concatChannels(lr))
            hr.append(up[i](l))
            let h = i == 0 ? hr[0] : downTran[i - 1](concatChannels(hr))
            lr.append(down[i](h))
        }
        return compressOut(concatChannels(Array(lr.dropFirst())))
    }
}

/// SRFBN (Li et al. 2019) with the official keys: `sub_mean`, `conv_in`, `feat_in`, `block.*`, `out`,
/// `conv_out`, `add_mean`. The input's bilinear upsampling (`align_corners=False`, of the mean-shifted
/// [0, 255] image) is added to every step's reconstruction; only the last step's is computed.
public struct SRFBN: SRNetwork {
    public let config: SRFBNConfig
    let shifts: MeanShiftPair
    let convIn: SRFBNBlock, featIn: SRFBNBlock
    let block: FeedbackBlock
    let out: SRFBNBlock, convOut: SRFBNBlock

    public init(config: SRFBNConfig, weights w: WeightScope) {
        self.config = config
        let f = config.numFeatures, p = SRFBNConfig.projection[config.upscaleFactor]!
        shifts = MeanShiftPair(w, mean: DIV2K.rgbMean, range: 255)
        convIn = SRFBNBlock(w["conv_in"], .conv, in: config.inChannels, out: 4 * f, kernel: 3, act: config.actType)
        featIn = SRFBNBlock(w["feat_in"], .conv, in: 4 * f, out: f, kernel: 1, act: config.actType)
        block = FeedbackBlock(w["block"], config)
        out = SRFBNBlock(w["out"], .deconv, in: f, out: f, kernel: p.kernel, stride: p.stride, padding: p.padding, act: "prelu")
        convOut = SRFBNBlock(w["conv_out"], .conv, in: f, out: config.outChannels, kernel: 3, act: nil)
    }

    public var scale: Int { config.upscaleFactor }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let x = shifts.sub(input)
        let interRes = upsampleBilinear(x, factor: config.upscaleFactor)
        let features = featIn(convIn(x))
        var hidden = features
        for _ in 0..<config.numSteps { hidden = block(features, hidden: hidden) }
        return shifts.add(add(interRes, convOut(out(hidden))))
    }
}
