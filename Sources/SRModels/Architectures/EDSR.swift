import SISREngine
/// BasicSR `EDSR(num_in_ch, num_out_ch, num_feat=64, num_block=16, upscale=4, res_scale=1,
/// img_range=255., rgb_mean=(0.4488, 0.4371, 0.4040))`.
public struct EDSRConfig: ArchitectureConfig {
    public var numInCh = 3
    public var numOutCh = 3
    public var numFeat = 64
    public var numBlock = 16
    public var upscale = 4
    public var resScale: Float = 1
    public var imgRange: Float = 255
    public var rgbMean: [Float] = DIV2K.rgbMean

    public init() {}

    enum CodingKeys: String, CodingKey {
        case numInCh = "num_in_ch", numOutCh = "num_out_ch", numFeat = "num_feat", numBlock = "num_block"
        case upscale, resScale = "res_scale", imgRange = "img_range", rgbMean = "rgb_mean"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = EDSRConfig()
        numInCh = try c.value(.numInCh, d.numInCh)
        numOutCh = try c.value(.numOutCh, d.numOutCh)
        numFeat = try c.value(.numFeat, d.numFeat)
        numBlock = try c.value(.numBlock, d.numBlock)
        upscale = try c.value(.upscale, d.upscale)
        resScale = try c.value(.resScale, d.resScale)
        imgRange = try c.value(.imgRange, d.imgRange)
        rgbMean = try c.value(.rgbMean, d.rgbMean)
    }

    public var upscaleFactor: Int {
        get { upscale }
        set { upscale = newValue }
    }

    public static let inferredKeys = ["num_in_ch", "num_out_ch", "num_feat", "num_block", "upscale"]

    public func inferred(from ck: CheckpointShapes) throws -> EDSRConfig {
        var c = self
        let first = try ck.shape("conv_first.weight", rank: 4)
        (c.numFeat, c.numInCh) = (first[0], first[1])
        c.numOutCh = try ck.shape("conv_last.weight", rank: 4)[0]
        c.numBlock = try ck.positive(ck.count("body.", ".conv1.weight"), "num_block")
        c.upscale = try ck.upsamplerScale("upsample", features: c.numFeat)
        return c
    }

    public func validate() throws {
        try requirePositive(["num_in_ch": numInCh, "num_out_ch": numOutCh, "num_feat": numFeat, "num_block": numBlock])
        try requireMeanShiftable(inCh: numInCh, outCh: numOutCh, mean: rgbMean, range: imgRange)
        guard Upsampler.supports(upscale) else { throw ModelError.invalidConfig("EDSR upscale must be 1, 3 or a power of 2, got \(upscale)") }
    }

    public func makeNetwork(_ weights: WeightScope) -> any SRNetwork { EDSR(config: self, weights: weights) }
}

/// EDSR (Lim et al. 2017) in BasicSR's layout: `conv_first`, `body.{i}.conv{1,2}`, `conv_after_body`,
/// `upsample.{0,2,...}`, `conv_last`. Official EDSR-PyTorch `sub_mean`/`add_mean` are used when present.
public struct EDSR: SRNetwork {
    public let config: EDSRConfig
    let shifts: MeanShiftPair
    let convFirst: Conv2d
    let body: [ResidualBlockNoBN]
    let convAfterBody: Conv2d
    let upsample: Upsampler
    let convLast: Conv2d

    public init(config: EDSRConfig, weights w: WeightScope) {
        self.config = config
        let f = config.numFeat
        shifts = MeanShiftPair(w, mean: config.rgbMean, range: config.imgRange)
        convFirst = Conv2d(w["conv_first"], in: config.numInCh, out: f, kernel: 3)
        body = (0..<config.numBlock).map { ResidualBlockNoBN(w["body"][$0], features: f, resScale: config.resScale) }
        convAfterBody = Conv2d(w["conv_after_body"], in: f, out: f, kernel: 3)
        upsample = Upsampler(w["upsample"], features: f, scale: config.upscale)
        convLast = Conv2d(w["conv_last"], in: f, out: config.numOutCh, kernel: 3)
    }

    public var scale: Int { config.upscale }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let x = convFirst(shifts.sub(input))
        let res = add(convAfterBody(body.reduce(x) { $1($0) }), x)
        return shifts.add(convLast(upsample(res)))
    }
}
