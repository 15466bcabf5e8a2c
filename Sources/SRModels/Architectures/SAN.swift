import SISREngine

/// The official SAN options (daitao/SAN `TestCode/code/option.py`, `model/san.py`): `n_resgroups`,
/// `n_resblocks`, `n_feats`, `reduction`, `scale`, `rgb_range`, `n_colors`, `res_scale` (which the
/// network ignores). Defaults are the released models' (README: 20 groups x 10 blocks x 64 features,
/// reduction 16, rgb_range 255). Everything but `rgb_range` and `res_scale` is read from the checkpoint.
///
/// Image convention of the official test code: the image enters in [0, `rgb_range`] through the file's
/// `sub_mean` and leaves through `add_mean`; ``SAN`` takes [0, 1] and returns [0, 1] (the project's
/// clamp-and-round equals the official `quantize`). The whole image is processed at once (the README's
/// test command uses `--chop`, which changes the output: both attentions are global).
public struct SANConfig: ArchitectureConfig {
    public var nResgroups = 20
    public var nResblocks = 10
    public var nFeats = 64
    public var reduction = 16
    public var scale = 4
    public var rgbRange: Float = 255
    public var nColors = 3
    public var resScale: Float = 1

    public init() {}

    enum CodingKeys: String, CodingKey {
        case nResgroups = "n_resgroups", nResblocks = "n_resblocks", nFeats = "n_feats", reduction, scale
        case rgbRange = "rgb_range", nColors = "n_colors", resScale = "res_scale"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SANConfig()
        nResgroups = try c.value(.nResgroups, d.nResgroups)
        nResblocks = try c.value(.nResblocks, d.nResblocks)
        nFeats = try c.value(.nFeats, d.nFeats)
        reduction = try c.value(.reduction, d.reduction)
        scale = try c.value(.scale, d.scale)
        rgbRange = try c.value(.rgbRange, d.rgbRange)
        nColors = try c.value(.nColors, d.nColors)
        resScale = try c.value(.resScale, d.resScale)
    }

    public var upscaleFactor: Int {
        get { scale }
        set { scale = newValue }
    }

    public static let inferredKeys = ["n_resgroups", "n_resblocks", "n_feats", "reduction", "scale", "n_colors"]

    public func inferred(from ck: CheckpointShapes) throws -> SANConfig {
        var c = self
        let head = try ck.shape("head.0.weight", rank: 4)
        (c.nFeats, c.nColors) = (head[0], head[1])
        c.nResgroups = try ck.positive(ck.count("RG.", ".conv_last.weight"), "n_resgroups")
        c.nResblocks = try ck.positive(ck.count("RG.0.rcab.", ".conv_first.0.weight"), "n_resblocks")
        let squeezed = try ck.shape("RG.0.soca.conv_du.0.weight", rank: 4)[0]
        guard squeezed > 0, c.nFeats % squeezed == 0 else {
            throw ModelError.incompatibleCheckpoint(source: ck.name, problem: "SOCA squeezes \(c.nFeats) to \(squeezed)")
        }
        c.reduction = c.nFeats / squeezed
        c.scale = try ck.upsamplerScale("tail.0", features: c.nFeats)
        return c
    }

    public func validate() throws {
        try requirePositive(["n_resgroups": nResgroups, "n_resblocks": nResblocks, "n_feats": nFeats, "reduction": reduction])
        guard nFeats / reduction > 0, nFeats >= 8 else { throw ModelError.invalidConfig("SAN needs n_feats >= 8 and >= reduction, got \(nFeats), \(reduction)") }
        try requireMeanShiftable(inCh: nColors, outCh: nColors, mean: DIV2K.rgbMean, range: rgbRange)
        guard Upsampler.supports(scale) && scale > 1 else { throw ModelError.invalidConfig("SAN scale must be 3 or a power of 2, got \(scale)") }
    }

    public func makeNetwork(_ weights: WeightScope) -> any SRNetwork { SAN(config: self, weights: weights) }
}

/// Local-source residual attention group (`LSRAG`): residual blocks `rcab.{i}.conv_first.{0,2}`
/// (`x + conv(relu(conv(x)))`), second-order channel attention `soca`, `conv_last`, plus the group's input.
/// Its `gamma` parameter is unused upstream (accepted and ignored).
struct LSRAG: Sendable {
    let blocks: [(Conv2d, Conv2d)]
    let soca: SecondOrderChannelAttention
    let convLast: Conv2d

    init(_ w: WeightScope, _ c: SANConfig) {
        let f = c.nFeats
        blocks = (0..<c.nResblocks).map {
            let b = w["rcab"][$0]["conv_first"]
            return (Conv2d(b[0], in: f, out: f, kernel: 3), Conv2d(b[2], in: f, out: f, kernel: 3))
        }
        soca = SecondOrderChannelAttention(w["soca"], features: f, reduction: c.reduction)
        convLast = Conv2d(w["conv_last"], in: f, out: f, kernel: 3)
        _ = w.store.optionalTensor(w.key("gamma"))
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let body = blocks.reduce(x) { h, b in add(h, b.1(b.0(h, .relu))) }
        return add(convLast(soca(body)), x)
    }
}

/// SAN (Dai et al. 2019) with the official keys: `sub_mean`, `head.0`, `non_local.*`, `RG.{i}.*`,
/// `gamma`, `tail.0.*`, `tail.1`, `add_mean`. Forward: head, region non-local, the groups with the
/// share-source skip `x_{g+1} = LSRAG_g(x_g) + gamma * x_0`, the same non-local module again, the head's
/// skip, sub-pixel upsampling. The top-level `conv_last` is defined but unused upstream (ignored).
public struct SAN: SRNetwork {
    public let config: SANConfig
    let shifts: MeanShiftPair
    let head: Conv2d
    let nonLocal: RegionNonLocal
    let groups: [LSRAG]
    let gamma: Float
    let upsample: Upsampler
    let convOut: Conv2d

    public init(config: SANConfig, weights w: WeightScope) {
        self.config = config
        let f = config.nFeats
        shifts = MeanShiftPair(w, mean: DIV2K.rgbMean, range: config.rgbRange)
        head = Conv2d(w["head"][0], in: config.nColors, out: f, kernel: 3)
        nonLocal = RegionNonLocal(w["non_local"], features: f, inter: f / 8)
        groups = (0..<config.nResgroups).map { LSRAG(w["RG"][$0], config) }
        gamma = w.tensor("gamma", shape: [1], fanIn: 1).data[0]
        for name in ["conv_last.weight", "conv_last.bias"] { _ = w.store.optionalTensor(w.key(name)) }
        upsample = Upsampler(w["tail"][0], features: f, scale: config.scale)
        convOut = Conv2d(w["tail"][1], in: f, out: config.nColors, kernel: 3)
    }

    public var scale: Int { config.scale }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let x = head(shifts.sub(input))
        let first = nonLocal(x)
        let body = groups.reduce(first) { h, group in add(group(h), first, scaledBy: gamma) }
        let res = add(nonLocal(body), x)
        return shifts.add(convOut(upsample(res)))
    }
}
