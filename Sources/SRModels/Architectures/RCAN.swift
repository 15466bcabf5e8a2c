import SISREngine
/// BasicSR `RCAN(num_in_ch, num_out_ch, num_feat=64, num_group=10, num_block=16, squeeze_factor=16,
/// upscale=4, res_scale=1, img_range=255., rgb_mean=(0.4488, 0.4371, 0.4040))`.
public struct RCANConfig: ArchitectureConfig {
    public var numInCh = 3
    public var numOutCh = 3
    public var numFeat = 64
    public var numGroup = 10
    public var numBlock = 16
    public var squeezeFactor = 16
    public var upscale = 4
    public var resScale: Float = 1
    public var imgRange: Float = 255
    public var rgbMean: [Float] = DIV2K.rgbMean

    public init() {}

    enum CodingKeys: String, CodingKey {
        case numInCh = "num_in_ch", numOutCh = "num_out_ch", numFeat = "num_feat", numGroup = "num_group"
        case numBlock = "num_block", squeezeFactor = "squeeze_factor", upscale, resScale = "res_scale"
        case imgRange = "img_range", rgbMean = "rgb_mean"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RCANConfig()
        numInCh = try c.value(.numInCh, d.numInCh)
        numOutCh = try c.value(.numOutCh, d.numOutCh)
        numFeat = try c.value(.numFeat, d.numFeat)
        numGroup = try c.value(.numGroup, d.numGroup)
        numBlock = try c.value(.numBlock, d.numBlock)
        squeezeFactor = try c.value(.squeezeFactor, d.squeezeFactor)
        upscale = try c.value(.upscale, d.upscale)
        resScale = try c.value(.resScale, d.resScale)
        imgRange = try c.value(.imgRange, d.imgRange)
        rgbMean = try c.value(.rgbMean, d.rgbMean)
    }

    public var upscaleFactor: Int {
        get { upscale }
        set { upscale = newValue }
    }

    public static let inferredKeys = ["num_in_ch", "num_out_ch", "num_feat", "num_group", "num_block", "squeeze_factor", "upscale"]

    public func inferred(from ck: CheckpointShapes) throws -> RCANConfig {
        var c = self
        let first = try ck.shape("conv_first.weight", rank: 4)
        (c.numFeat, c.numInCh) = (first[0], first[1])
        c.numOutCh = try ck.shape("conv_last.weight", rank: 4)[0]
        c.numGroup = try ck.positive(ck.count("body.", ".conv.weight"), "num_group")
        c.numBlock = try ck.positive(ck.count("body.0.residual_group.", ".rcab.0.weight"), "num_block")
        let squeezed = try ck.shape("body.0.residual_group.0.rcab.3.attention.1.weight")[0]
        guard squeezed > 0, c.numFeat % squeezed == 0 else {
            throw ModelError.incompatibleCheckpoint(source: ck.name, problem: "channel attention squeezes \(c.numFeat) to \(squeezed)")
        }
        c.squeezeFactor = c.numFeat / squeezed
        c.upscale = try ck.upsamplerScale("upsample", features: c.numFeat)
        return c
    }

    public func validate() throws {
        try requirePositive([
            "num_feat": numFeat, "num_group": numGroup, "num_block": numBlock, "squeeze_factor": squeezeFactor,
        ])
        guard numFeat / squeezeFactor > 0 else { throw ModelError.invalidConfig("squeeze_factor \(squeezeFactor) exceeds num_feat \(numFeat)") }
        try requireMeanShiftable(inCh: numInCh, outCh: numOutCh, mean: rgbMean, range: imgRange)
        guard Upsampler.supports(upscale) else { throw ModelError.invalidConfig("RCAN upscale must be 1, 3 or a power of 2, got \(upscale)") }
    }

    public func makeNetwork(_ weights: WeightScope) -> any SRNetwork { RCAN(config: self, weights: weights) }
}

/// RCAN channel attention: `z * sigmoid(conv2(relu(conv1(gap(z)))))` with 1x1 convs at `attention.1`
/// and `attention.3`; the pool is global over the whole map.
struct ChannelAttention: Sendable {
    let squeeze: Conv2d, excite: Conv2d

    init(_ w: WeightScope, features: Int, squeezed: Int) {
        squeeze = Conv2d(w["attention"][1], in: features, out: squeezed, kernel: 1)
        excite = Conv2d(w["attention"][3], in: squeezed, out: features, kernel: 1)
    }

    func callAsFunction(_ z: Tensor) -> Tensor { multiplyChannels(z, by: scales(z)) }

    /// The per-channel factors `sigmoid(excite(relu(squeeze(pool(z)))))`, `[N, C, 1, 1]`.
    func scales(_ z: Tensor) -> Tensor { sigmoid(excite(squeeze(globalAveragePool(z), .relu))) }
}

/// Residual channel attention block: `x + res_scale * CA(conv2(relu(conv1(x))))`, keys `rcab.{0,2,3}`.
struct RCAB: Sendable {
    let conv1: Conv2d, conv2: Conv2d, attention: ChannelAttention
    let resScale: Float

    init(_ w: WeightScope, features f: Int, squeezed: Int, resScale: Float) {
        conv1 = Conv2d(w[0], in: f, out: f, kernel: 3)
        conv2 = Conv2d(w[2], in: f, out: f, kernel: 3)
        attention = ChannelAttention(w[3], features: f, squeezed: squeezed)
        self.resScale = resScale
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let y = conv2(conv1(x, .relu))
        return addScaledChannels(x, y, channelScales: attention.scales(y), scaledBy: resScale)
    }
}

/// RCAN (Zhang et al. 2018) in BasicSR's layout: `conv_first`, `body.{g}.residual_group.{b}.rcab.*`,
/// `body.{g}.conv`, `conv_after_body`, `upsample.*`, `conv_last`; official mean shifts used when present.
public struct RCAN: SRNetwork {
    public let config: RCANConfig
    let shifts: MeanShiftPair
    let convFirst: Conv2d
    let groups: [(blocks: [RCAB], conv: Conv2d)]
    let convAfterBody: Conv2d
    let upsample: Upsampler
    let convLast: Conv2d

    public init(config: RCANConfig, weights w: WeightScope) {
        self.config = config
        let f = config.numFeat, squeezed = config.numFeat / config.squeezeFactor
        shifts = MeanShiftPair(w, mean: config.rgbMean, range: config.imgRange)
        convFirst = Conv2d(w["conv_first"], in: config.numInCh, out: f, kernel: 3)
        groups = (0..<config.numGroup).map { g in
            let gw = w["body"][g]
            let blocks = (0..<config.numBlock).map {
                RCAB(gw["residual_group"][$0]["rcab"], features: f, squeezed: squeezed, resScale: config.resScale)
            }
            return (blocks, Conv2d(gw["conv"], in: f, out: f, kernel: 3))
        }
        convAfterBody = Conv2d(w["conv_after_body"], in: f, out: f, kernel: 3)
        upsample = Upsampler(w["upsample"], features: f, scale: config.upscale)
        convLast = Conv2d(w["conv_last"], in: f, out: config.numOutCh, kernel: 3)
    }

    public var scale: Int { config.upscale }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let x = convFirst(shifts.sub(input))
        let body = groups.reduce(x) { h, group in add(group.conv(group.blocks.reduce(h) { $1($0) }), h) }
        let res = add(convAfterBody(body), x)
        return shifts.add(convLast(upsample(res)))
    }
}
