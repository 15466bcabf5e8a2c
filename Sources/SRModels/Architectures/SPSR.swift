import SISREngine
/// Official SPSR `SPSRNet(in_nc, out_nc, nf, nb, gc=32, upscale=4, norm_type=None,
/// act_type='leakyrelu', mode='CNA', upsample_mode='upconv')` (Maclory/SPSR, `spsr.pth`: nf 64, nb 23).
///
/// Test script (`code/test.py`): RGB input in [0, 1] (cv2 BGR flipped), whole image, output
/// `fake_H` (the second of the three outputs) clamped to [0, 1], x255, rounded.
///
/// `tap_blocks` is not an official argument: the official forward reads the trunk after blocks 5, 10,
/// 15 and 20 (hard-coded); the key exists so that small test networks (nb < 20) can move the taps.
/// `gc` is the official argument, but the official code passes the literal 32 to every RRDB; it is
/// inferred from the checkpoint here.
public struct SPSRConfig: ArchitectureConfig {
    public var inNc = 3
    public var outNc = 3
    public var nf = 64
    public var nb = 23
    public var gc = 32
    public var upscale = 4
    public var tapBlocks = [5, 10, 15, 20]

    public init() {}

    enum CodingKeys: String, CodingKey {
        case inNc = "in_nc", outNc = "out_nc", nf, nb, gc, upscale, tapBlocks = "tap_blocks"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SPSRConfig()
        inNc = try c.value(.inNc, d.inNc)
        outNc = try c.value(.outNc, d.outNc)
        nf = try c.value(.nf, d.nf)
        nb = try c.value(.nb, d.nb)
        gc = try c.value(.gc, d.gc)
        upscale = try c.value(.upscale, d.upscale)
        tapBlocks = try c.value(.tapBlocks, d.tapBlocks)
    }

    public var upscaleFactor: Int {
        get { upscale }
        set { upscale = newValue }
    }

    public static let inferredKeys = ["in_nc", "out_nc", "nf", "nb", "gc", "upscale"]

    /// Number of x2 upconv stages (nearest x2, conv, LeakyReLU).
    var upsamplings: Int { upscale.trailingZeroBitCount }

    public func inferred(from ck: CheckpointShapes) throws -> SPSRConfig {
        var c = self
        let first = try ck.shape("model.0.weight", rank: 4)
        (c.nf, c.inNc) = (first[0], first[1])
        c.outNc = try ck.shape("f_HR_conv1.0.weight", rank: 4)[0]
        c.nb = try ck.positive(ck.count("model.1.sub.", ".RDB1.conv1.0.weight"), "nb")
        c.gc = try ck.shape("model.1.sub.0.RDB1.conv1.0.weight", rank: 4)[0]
        var ups = 0
        while ck.dict["model.\(3 + 3 * ups).weight"] != nil { ups += 1 }
        c.upscale = 1 << ups
        return c
    }

    public func validate() throws {
        try requirePositive(["in_nc": inNc, "out_nc": outNc, "nf": nf, "nb": nb, "gc": gc])
        guard inNc == 3 && outNc == 3 else { throw ModelError.invalidConfig("SPSR needs RGB in and out, got \(inNc) -> \(outNc)") }
        guard upscale >= 1 && upscale & (upscale - 1) == 0 else { throw ModelError.invalidConfig("SPSR upscale must be a power of 2, got \(upscale)") }
        guard tapBlocks.count == 4, zip(tapBlocks, tapBlocks.dropFirst()).allSatisfy({ $0 < $1 }),
            let first = tapBlocks.first, first >= 1, let last = tapBlocks.last, last <= nb
        else { throw ModelError.invalidConfig("tap_blocks must be 4 increasing block counts within 1...\(nb), got \(tapBlocks)") }
    }

    public func makeNetwork(_ weights: WeightScope) -> any SRNetwork { SPSR(config: self, weights: weights) }
}

/// The old-BasicSR `conv_block` (a Sequential holding the conv at index 0), 3x3 unless stated.
private func block(_ w: WeightScope, _ cin: Int, _ cout: Int, kernel: Int = 3) -> Conv2d {
    Conv2d(w[0], in: cin, out: cout, kernel: kernel)
}

/// Structure-preserving SR with gradient guidance (Ma et al. 2020), in the official key layout:
/// the SR trunk is an ESRGAN RRDBNet (`model.0`, `model.1.sub.{i}.RDB{k}.conv{n}.0`, `model.1.sub.{nb}`
/// (LR conv), `model.{3,6,...}` (upconvs), `model.{2+3n}` = `HR_conv0_new`, `HR_conv1_new`); the
/// gradient branch starts from the gradient magnitude of the input (`get_g_nopadding`, fixed kernels),
/// is fed trunk features after four blocks (`b_block_k` RRDBs on 2nf channels, `b_concat_k`), is
/// upsampled (`b_module`), and is fused with the trunk (`f_block`, `f_concat`, `f_HR_conv0/1`).
/// `conv_w` (the gradient-map output) is read but not computed: only the SR image is returned.
public struct SPSR: SRNetwork {
    public let config: SPSRConfig
    let feaConv: Conv2d
    let trunk: [RRDB]
    let lrConv: Conv2d
    let upconvs: [Conv2d]
    let hrConv0: Conv2d, hrConv1: Conv2d
    let bFeaConv: Conv2d
    let bBlocks: [RRDB]
    let bConcats: [Conv2d]
    let bLRConv: Conv2d
    let bUpconvs: [Conv2d]
    let bHRConv0: Conv2d, bHRConv1: Conv2d
    let fBlock: RRDB
    let fConcat: Conv2d, fHRConv0: Conv2d, fHRConv1: Conv2d

    public init(config: SPSRConfig, weights w: WeightScope) {
        self.config = config
        let nf = config.nf, gc = config.gc, n = config.upsamplings
        feaConv = Conv2d(w["model"][0], in: config.inNc, out: nf, kernel: 3)
        trunk = (0..<config.nb).map { RRDB(w["model.1.sub"][$0], features: nf, growth: gc, keys: .mmsr) }
        lrConv = Conv2d(w["model.1.sub"][config.nb], in: nf, out: nf, kernel: 3)
        upconvs = (0..<n).map { Conv2d(w["model"][3 + 3 * $0], in: nf, out: nf, kernel: 3) }
        hrConv0 = Conv2d(w["model"][2 + 3 * n], in: nf, out: nf, kernel: 3)
        // `HR_conv0_new` is the same module as `model.{2+3n}`; state_dict() stores it twice and
        // load_state_dict() leaves the `model.` copy in place.
        _ = block(w["HR_conv0_new"], nf, nf)
        hrConv1 = block(w["HR_conv1_new"], nf, nf)
        for name in ["weight_h", "weight_v"] { _ = w["get_g_nopadding"].tensor(name, shape: [1, 1, 3, 3], fanIn: 9) }
        bFeaConv = block(w["b_fea_conv"], config.inNc, nf)
        bBlocks = (1...4).map { RRDB(w["b_block_\($0)"], features: 2 * nf, growth: gc, keys: .mmsr) }
        bConcats = (1...4).map { block(w["b_concat_\($0)"], 2 * nf, nf) }
        bLRConv = block(w["b_LR_conv"], nf, nf)
        bUpconvs = (0..<n).map { Conv2d(w["b_module"][1 + 3 * $0], in: nf, out: nf, kernel: 3) }
        bHRConv0 = Conv2d(w["b_module"][3 * n], in: nf, out: nf, kernel: 3)
        bHRConv1 = Conv2d(w["b_module"][3 * n + 2], in: nf, out: nf, kernel: 3)
        _ = block(w["conv_w"], nf, config.outNc, kernel: 1)
        fBlock = RRDB(w["f_block"], features: 2 * nf, growth: gc, keys: .mmsr)
        fConcat = block(w["f_concat"], 2 * nf, nf)
        fHRConv0 = block(w["f_HR_conv0"], nf, nf)
        fHRConv1 = block(w["f_HR_conv1"], nf, config.outNc)
    }

    public var scale: Int { config.upscale }

    private func upsample(_ x: Tensor, _ convs: [Conv2d]) -> Tensor {
        convs.reduce(x) { $1(upsampleNearest2x($0), .leakyReLU(0.2)) }
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let grad = gradientMagnitude(input)
        let fea = feaConv(input)
        var x = fea, taps: [Tensor] = []
        for (i, rrdb) in trunk.enumerated() {
            x = rrdb(x)
            if config.tapBlocks.contains(i + 1) { taps.append(x) }
        }
        x = add(fea, lrConv(x))
        x = hrConv1(hrConv0(upsample(x, upconvs), .leakyReLU(0.2)))

        let bFea = bFeaConv(grad)
        var b = bFea
        for k in 0..<4 { b = bConcats[k](bBlocks[k](concatChannels([b, taps[k]]))) }
        b = add(bLRConv(b), bFea)
        let branch = bHRConv1(bHRConv0(upsample(b, bUpconvs), .leakyReLU(0.2)))

        let fused = fConcat(fBlock(concatChannels([branch, x])))
        return fHRConv1(fHRConv0(fused, .leakyReLU(0.2)))
    }
}
