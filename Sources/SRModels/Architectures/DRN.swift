import SISREngine

/// The official DRN options (guoyongcs/DRN `option.py`, `utility.init_model`): `scale`, `n_blocks`,
/// `n_feats`, `negval`, `rgb_range`, `n_colors`. Defaults are DRN-S x4 (30 blocks, 16 features);
/// DRN-L x4 is 40 blocks, 20 features. Both, and the number of phases (`log2(scale)`), are read from the
/// checkpoint, so `DRNS4x.pt` and `DRNL4x.pt` run without a configuration.
///
/// Image convention of the official test code (`rgb_range` 255): the [0, 255] image is bicubically
/// upsampled to the target size (`nn.Upsample(mode='bicubic', align_corners=False)`) before the mean
/// shift; the output is the last of the primal network's outputs (`sr[-1]`), quantised like the
/// project's clamp-and-round. Whole-image inference (no chop, as in the official test).
public struct DRNConfig: ArchitectureConfig {
    public var scale = 4
    public var nBlocks = 30
    public var nFeats = 16
    public var negval: Float = 0.2
    public var rgbRange: Float = 255
    public var nColors = 3

    public init() {}

    enum CodingKeys: String, CodingKey {
        case scale, nBlocks = "n_blocks", nFeats = "n_feats", negval, rgbRange = "rgb_range", nColors = "n_colors"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DRNConfig()
        scale = try c.value(.scale, d.scale)
        nBlocks = try c.value(.nBlocks, d.nBlocks)
        nFeats = try c.value(.nFeats, d.nFeats)
        negval = try c.value(.negval, d.negval)
        rgbRange = try c.value(.rgbRange, d.rgbRange)
        nColors = try c.value(.nColors, d.nColors)
    }

    public var upscaleFactor: Int {
        get { scale }
        set { scale = newValue }
    }

    public static let inferredKeys = ["scale", "n_blocks", "n_feats", "n_colors"]

    /// Number of x2 phases.
    var phases: Int { scale.trailingZeroBitCount }

    public func inferred(from ck: CheckpointShapes) throws -> DRNConfig {
        var c = self
        let head = try ck.shape("head.weight", rank: 4)
        (c.nFeats, c.nColors) = (head[0], head[1])
        let phases = try ck.positive(ck.count("down.", ".dual_module.0.0.weight"), "the number of phases")
        c.scale = 1 << phases
        c.nBlocks = try ck.positive(ck.count("up_blocks.0.", ".body.0.weight"), "n_blocks")
        return c
    }

    public func validate() throws {
        try requirePositive(["n_blocks": nBlocks, "n_feats": nFeats])
        try requireMeanShiftable(inCh: nColors, outCh: nColors, mean: DIV2K.rgbMean, range: rgbRange)
        guard scale >= 2 && scale & (scale - 1) == 0 else { throw ModelError.invalidConfig("DRN scale must be a power of 2, got \(scale)") }
        guard nFeats * (1 << phases) >= 16 else { throw ModelError.invalidConfig("DRN needs n_feats * scale >= 16 (channel attention reduction 16)") }
    }

    public func makeNetwork(_ weights: WeightScope) -> any SRNetwork { DRN(config: self, weights: weights) }
}

/// DRN's `RCAB` (keys `body.0`, `body.2`, `body.3.conv_du.{0,2}`, reduction 16): `x + CA(conv(relu(conv(x))))`.
struct DRNResidualBlock: Sendable {
    let conv1: Conv2d, conv2: Conv2d, squeeze: Conv2d, excite: Conv2d

    init(_ w: WeightScope, features f: Int) {
        conv1 = Conv2d(w["body"][0], in: f, out: f, kernel: 3)
        conv2 = Conv2d(w["body"][2], in: f, out: f, kernel: 3)
        squeeze = Conv2d(w["body"][3]["conv_du"][0], in: f, out: f / 16, kernel: 1)
        excite = Conv2d(w["body"][3]["conv_du"][2], in: f / 16, out: f, kernel: 1)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let r = conv2(conv1(x, .relu))
        return add(x, multiplyChannels(r, by: sigmoid(excite(squeeze(globalAveragePool(r), .relu)))))
    }
}

/// One up phase, `up_blocks.{p}`: `n_blocks` RCABs, a x2 sub-pixel upsampler at index `n_blocks`, and a
/// 1x1 conv at `n_blocks + 1` that halves (first phase) or quarters the channels.
struct DRNUpPhase: Sendable {
    let blocks: [DRNResidualBlock]
    let upsample: Upsampler
    let reduce: Conv2d

    init(_ w: WeightScope, blocks n: Int, features f: Int, out: Int) {
        blocks = (0..<n).map { DRNResidualBlock(w[$0], features: f) }
        upsample = Upsampler(w[n], features: f, scale: 2)
        reduce = Conv2d(w[n + 1], in: f, out: out, kernel: 1)
    }

    func callAsFunction(_ x: Tensor) -> Tensor { reduce(upsample(blocks.reduce(x) { $1($0) })) }
}

/// DRN's primal network (Guo et al. 2020) with the official keys: `sub_mean`, `head`,
/// `down.{p}.dual_module.*` (stride-2 3x3 convs without bias + LeakyReLU `negval`, then a 3x3 conv),
/// `up_blocks.{p}.*`, `tail.{p}`, `add_mean`. The dual models live in separate files and are not needed.
public struct DRN: SRNetwork {
    public let config: DRNConfig
    let shifts: MeanShiftPair
    let head: Conv2d
    let down: [(strided: Tensor, conv: Conv2d)]
    let up: [DRNUpPhase]
    let tail: Conv2d

    public init(config: DRNConfig, weights w: WeightScope) {
        self.config = config
        let f = config.nFeats, phases = config.phases
        shifts = MeanShiftPair(w, mean: DIV2K.rgbMean, range: config.rgbRange)
        head = Conv2d(w["head"], in: config.nColors, out: f, kernel: 3)
        down = (0..<phases).map { p in
            let m = w["down"][p]["dual_module"], c = f << p
            return (m[0][0].tensor("weight", shape: [c, c, 3, 3], fanIn: 9 * c), Conv2d(m[1], in: c, out: 2 * c, kernel: 3, bias: false))
        }
        up = (0..<phases).map { i in
            let top = f << phases
            return i == 0
                ? DRNUpPhase(w["up_blocks"][0], blocks: config.nBlocks, features: top, out: top / 2)
                : DRNUpPhase(w["up_blocks"][i], blocks: config.nBlocks, features: 2 * (f << (phases - i)), out: f << (phases - i - 1))
        }
        // Only the last tail conv produces the returned image; the coarser outputs are not computed.
        for p in 0..<phases {
            for name in ["weight", "bias"] { _ = w.store.optionalTensor(w["tail"][p].key(name)) }
        }
        tail = Conv2d(w["tail"][phases], in: 2 * f, out: config.nColors, kernel: 3)
    }

    public var scale: Int { config.scale }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        // Bicubic upsampling is linear, so upsampling [0, 1] before the shift's `* rgb_range` equals the
        // official order up to float rounding.
        var h = head(shifts.sub(upsampleBicubic(input, factor: config.scale)))
        var copies: [Tensor] = []
        for d in down {
            copies.append(h)
            h = d.conv(conv2dStrided(h, weight: d.strided, bias: nil, stride: 2, padding: 1, activation: .leakyReLU(config.negval)))
        }
        for (i, phase) in up.enumerated() { h = concatChannels([phase(h), copies[copies.count - 1 - i]]) }
        return shifts.add(tail(h))
    }
}
