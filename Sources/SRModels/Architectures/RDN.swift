import SISREngine
/// RDN (Zhang et al. 2018) as in EDSR-PyTorch `rdn.py`. Keys: `num_feat` (G0), `num_block` (D),
/// `num_layer` (C), `num_grow_ch` (G), `upscale`, and `img_range`: the network sees `x * img_range` and
/// its output is divided by it (255 for EDSR-PyTorch checkpoints, 1 for ports trained on [0,1]).
/// Defaults are config B: G0 = 64, D = 16, C = 8, G = 64.
public struct RDNConfig: ArchitectureConfig {
    public var numInCh = 3
    public var numOutCh = 3
    public var numFeat = 64
    public var numBlock = 16
    public var numLayer = 8
    public var numGrowCh = 64
    public var upscale = 4
    public var imgRange: Float = 255

    public init() {}

    enum CodingKeys: String, CodingKey {
        case numInCh = "num_in_ch", numOutCh = "num_out_ch", numFeat = "num_feat", numBlock = "num_block"
        case numLayer = "num_layer", numGrowCh = "num_grow_ch", upscale, imgRange = "img_range"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RDNConfig()
        numInCh = try c.value(.numInCh, d.numInCh)
        numOutCh = try c.value(.numOutCh, d.numOutCh)
        numFeat = try c.value(.numFeat, d.numFeat)
        numBlock = try c.value(.numBlock, d.numBlock)
        numLayer = try c.value(.numLayer, d.numLayer)
        numGrowCh = try c.value(.numGrowCh, d.numGrowCh)
        upscale = try c.value(.upscale, d.upscale)
        imgRange = try c.value(.imgRange, d.imgRange)
    }

    public var upscaleFactor: Int {
        get { upscale }
        set { upscale = newValue }
    }

    public static let inferredKeys = ["num_in_ch", "num_out_ch", "num_feat", "num_block", "num_layer", "num_grow_ch", "upscale"]

    public func inferred(from ck: CheckpointShapes) throws -> RDNConfig {
        var c = self
        let first = try ck.shape("SFENet1.weight", rank: 4)
        (c.numFeat, c.numInCh) = (first[0], first[1])
        c.numBlock = try ck.positive(ck.count("RDBs.", ".LFF.weight"), "num_block")
        c.numLayer = try ck.positive(ck.count("RDBs.0.convs.", ".conv.0.weight"), "num_layer")
        c.numGrowCh = try ck.shape("RDBs.0.convs.0.conv.0.weight", rank: 4)[0]
        let convs = ck.count("UPNet.", ".weight", step: 2)
        c.numOutCh = try ck.shape("UPNet.\(2 * (convs - 1)).weight", rank: 4)[0]
        // The first UPNet conv maps G0 to G * r * r.
        let firstOut = try ck.shape("UPNet.0.weight")[0]
        c.upscale = convs == 2 && firstOut == 9 * c.numGrowCh ? 3 : 1 << (convs - 1)
        return c
    }

    public func validate() throws {
        try requirePositive([
            "num_feat": numFeat, "num_block": numBlock, "num_layer": numLayer, "num_grow_ch": numGrowCh,
        ])
        try requireMeanShiftable(inCh: numInCh, outCh: numOutCh, mean: DIV2K.rgbMean, range: imgRange)
        guard upscale == 2 || upscale == 3 || upscale == 4 else { throw ModelError.invalidConfig("RDN upscale must be 2, 3 or 4, got \(upscale)") }
    }

    public func makeNetwork(_ weights: WeightScope) -> any SRNetwork { RDN(config: self, weights: weights) }
}

/// Residual dense block of RDN: `C` layers `t = cat(t, relu(conv_c(t)))`, then a 1x1 local fusion
/// `LFF` back to G0 and the skip. Keys `convs.{c}.conv.0`, `LFF`.
struct ResidualDenseBlock: Sendable {
    let convs: [Conv2d]
    let fusion: Conv2d

    init(_ w: WeightScope, features g0: Int, growth g: Int, layers: Int) {
        convs = (0..<layers).map { Conv2d(w["convs"][$0]["conv"][0], in: g0 + $0 * g, out: g, kernel: 3) }
        fusion = Conv2d(w["LFF"], in: g0 + layers * g, out: g0, kernel: 1)
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let t = convs.reduce(x) { t, conv in concatChannels([t, conv(t, .relu)]) }
        return add(fusion(t), x)
    }
}

/// RDN with EDSR-PyTorch keys `SFENet1`, `SFENet2`, `RDBs.{d}.*`, `GFF.{0,1}`, `UPNet.*`.
public struct RDN: SRNetwork {
    public let config: RDNConfig
    let sfe1: Conv2d, sfe2: Conv2d
    let blocks: [ResidualDenseBlock]
    let gff1: Conv2d, gff2: Conv2d
    let upsample: Upsampler
    let convLast: Conv2d

    public init(config: RDNConfig, weights w: WeightScope) {
        self.config = config
        let g0 = config.numFeat, g = config.numGrowCh
        sfe1 = Conv2d(w["SFENet1"], in: config.numInCh, out: g0, kernel: 3)
        sfe2 = Conv2d(w["SFENet2"], in: g0, out: g0, kernel: 3)
        blocks = (0..<config.numBlock).map { ResidualDenseBlock(w["RDBs"][$0], features: g0, growth: g, layers: config.numLayer) }
        gff1 = Conv2d(w["GFF"][0], in: config.numBlock * g0, out: g0, kernel: 1)
        gff2 = Conv2d(w["GFF"][1], in: g0, out: g0, kernel: 3)
        upsample = Upsampler(w["UPNet"], features: g0, scale: config.upscale, outFeatures: g)
        let last = 2 * Upsampler.factors(config.upscale).count
        convLast = Conv2d(w["UPNet"][last], in: g, out: config.numOutCh, kernel: 3)
    }

    public var scale: Int { config.upscale }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let range = config.imgRange
        let f1 = sfe1(range == 1 ? input : input.map { $0 * range })
        var x = sfe2(f1)
        var outs: [Tensor] = []
        for block in blocks {
            x = block(x)
            outs.append(x)
        }
        x = add(gff2(gff1(concatChannels(outs))), f1)
        let y = convLast(upsample(x))
        return range == 1 ? y : y.map { $0 / range }
    }
}
