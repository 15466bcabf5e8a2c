import SISREngine
/// Official NCSR `NCSRNet(in_nc, out_nc, nf, nb, gc=32, scale=4, K, opt)` with the flow options of
/// `confs/4X.yml` (`network_G.flow`: `K` 16, `L` 3, `S` [0, 16, 16], `std_channels` 3,
/// `additionalFlowNoAffine` 2, `stackRRDB.blocks` [1, 8, 15, 22] -> `stackRRDB_blocks`, coupling
/// `CondAffineSeparatedAndCond` with `hidden_channels` 64, split enabled, `fea_up0` on) and the test
/// script's sampling arguments `heat` (0.9) and `seed` (0). Sizes are inferred from the checkpoint;
/// `S`, `stackRRDB_blocks`, `heat` and `seed` are not (the defaults are the published ones).
///
/// Test script (`code/test.py`): the LR image (uint8 / 255) is reflect-padded at the bottom/right to
/// even sides, sampled once with latents `heat * N(0, 1)` and the test-time noise level `std = 0`, and
/// the output is clamped to [0, 1], cropped to `4H x 4W` and converted with `astype(uint8)` after x255,
/// i.e. truncated: the network's output here is that truncated value / 255, so the project's rounding
/// reproduces the official bytes. The latents come from ``FlowNoise`` (`SeededRandom(seed:,
/// "ncsr-latent", name)`), not from torch's generator; `heat` 0 gives the flow's deterministic mean.
/// The official code fixes the conditional width at 64 x (blocks + 1) channels; here it is `nf`.
public struct NCSRConfig: ArchitectureConfig {
    public var inNc = 3
    public var outNc = 3
    public var nf = 64
    public var nb = 23
    public var gc = 32
    public var scale = 4
    public var K = 16
    public var L = 3
    public var S = [0, 16, 16]
    public var stdChannels = 3
    public var additionalFlowNoAffine = 2
    public var hiddenChannels = 64
    public var stackRRDBBlocks = [1, 8, 15, 22]
    public var heat = 0.9
    public var seed: UInt64 = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case inNc = "in_nc", outNc = "out_nc", nf, nb, gc, scale, K, L, S, stdChannels = "std_channels"
        case additionalFlowNoAffine, hiddenChannels = "hidden_channels", stackRRDBBlocks = "stackRRDB_blocks", heat, seed
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = NCSRConfig()
        inNc = try c.value(.inNc, d.inNc)
        outNc = try c.value(.outNc, d.outNc)
        nf = try c.value(.nf, d.nf)
        nb = try c.value(.nb, d.nb)
        gc = try c.value(.gc, d.gc)
        scale = try c.value(.scale, d.scale)
        K = try c.value(.K, d.K)
        L = try c.value(.L, d.L)
        S = try c.value(.S, d.S)
        stdChannels = try c.value(.stdChannels, d.stdChannels)
        additionalFlowNoAffine = try c.value(.additionalFlowNoAffine, d.additionalFlowNoAffine)
        hiddenChannels = try c.value(.hiddenChannels, d.hiddenChannels)
        stackRRDBBlocks = try c.value(.stackRRDBBlocks, d.stackRRDBBlocks)
        heat = try c.value(.heat, d.heat)
        seed = try c.value(.seed, d.seed)
    }

    public var upscaleFactor: Int {
        get { scale }
        set { scale = newValue }
    }

    public static let inferredKeys = ["in_nc", "out_nc", "nf", "nb", "gc", "K", "L", "std_channels", "additionalFlowNoAffine", "hidden_channels"]

    static let layers = "flowUpsamplerNet.layers."

    public func inferred(from ck: CheckpointShapes) throws -> NCSRConfig {
        var c = self
        let first = try ck.shape("RRDB.conv_first.weight", rank: 4)
        (c.nf, c.inNc) = (first[0], first[1])
        c.outNc = try ck.shape("RRDB.conv_last.weight", rank: 4)[0]
        c.nb = try ck.positive(ck.count("RRDB.RRDB_trunk.", ".RDB1.conv1.weight"), "nb")
        c.gc = try ck.shape("RRDB.RRDB_trunk.0.RDB1.conv1.weight", rank: 4)[0]
        // Walk the layer list: a squeeze has no parameters, additional steps have no coupling.
        var levels: [(extra: Int, steps: Int)] = [], j = 0
        while true {
            let p = Self.layers + "\(j)."
            if ck.dict[p + "actnorm.bias"] == nil && ck.dict[p + "conv.logs"] == nil {
                guard ck.dict[Self.layers + "\(j + 1).actnorm.bias"] != nil else { break }
                levels.append((0, 0))
            } else if levels.isEmpty {
                throw ModelError.incompatibleCheckpoint(source: ck.name, problem: "flow layer \(j) comes before the first squeeze")
            } else if ck.dict[p + "affine.fAffine.0.weight"] != nil {
                levels[levels.count - 1].steps += 1
            } else if ck.dict[p + "actnorm.bias"] != nil {
                guard levels[levels.count - 1].steps == 0 else {
                    throw ModelError.incompatibleCheckpoint(source: ck.name, problem: "flow layer \(j) has no coupling but follows coupling steps")
                }
                levels[levels.count - 1].extra += 1
            }
            j += 1
        }
        guard let top = levels.first, levels.allSatisfy({ $0 == top }), top.steps > 0 else {
            throw ModelError.incompatibleCheckpoint(source: ck.name, problem: "flow levels differ or have no steps: \(levels)")
        }
        (c.L, c.K, c.additionalFlowNoAffine) = (levels.count, top.steps, top.extra)
        let coupling = Self.layers + "\(1 + top.extra).affine."
        c.hiddenChannels = try ck.shape(coupling + "fAffine.0.weight", rank: 4)[0]
        // fAffine_std sees the first half of the level-1 channels (4 * in_nc) plus the noise-level maps.
        c.stdChannels = try ck.shape(coupling + "fAffine_std.0.weight", rank: 4)[1] - 4 * c.inNc / 2
        return c
    }

    public func validate() throws {
        try requirePositive(["nf": nf, "nb": nb, "gc": gc, "K": K, "hidden_channels": hiddenChannels, "std_channels": stdChannels])
        guard inNc == 3 && outNc == 3 else { throw ModelError.invalidConfig("NCSR needs RGB in and out, got \(inNc) -> \(outNc)") }
        guard scale == 4 else { throw ModelError.invalidConfig("only the x4 NCSR flow is implemented, got scale \(scale)") }
        guard (1...3).contains(L) else { throw ModelError.invalidConfig("NCSR L must be 1, 2 or 3 at x4, got \(L)") }
        guard S.count >= L else { throw ModelError.invalidConfig("S needs one entry per level (\(L)), got \(S)") }
        guard additionalFlowNoAffine >= 0 else { throw ModelError.invalidConfig("additionalFlowNoAffine must not be negative") }
        guard !stackRRDBBlocks.isEmpty, stackRRDBBlocks.allSatisfy({ (0..<nb).contains($0) }) else {
            throw ModelError.invalidConfig("stackRRDB_blocks must be RRDB indices below nb = \(nb), got \(stackRRDBBlocks)")
        }
        guard heat >= 0, heat.isFinite else { throw ModelError.invalidConfig("heat must be finite and non-negative, got \(heat)") }
    }

    /// Channels of every conditional: the level's feature map plus the stacked RRDB block outputs.
    var condChannels: Int { nf * (stackRRDBBlocks.count + 1) }

    public func makeNetwork(_ weights: WeightScope) -> any SRNetwork { NCSR(config: self, weights: weights) }
}

/// NCSR (Kim & Son 2021): SRFlow's conditional normalising flow with noise-conditional couplings,
/// in the official key layout: the RRDB conditioner `RRDB.*` (ESRGAN names) and
/// `flowUpsamplerNet.layers.{j}` (per level: squeeze, `additionalFlowNoAffine` steps without coupling,
/// `K` coupling steps, then a `Split2d` below the last level), plus the unused `flowUpsamplerNet.f`.
/// Sampling runs the flow in reverse from the top latent, drawing each split's latent.
public struct NCSR: SRNetwork {
    public let config: NCSRConfig
    let convFirst: Conv2d
    let trunk: [RRDB]
    let trunkConv: Conv2d, upconv1: Conv2d
    /// Per level (1-based order): the flow steps in forward order and the split (nil at the top).
    let levels: [(steps: [FlowStep], split: FlowSplit?)]
    /// Channels entering the top level's unsqueeze.
    let topChannels: Int

    public init(config c: NCSRConfig, weights w: WeightScope) {
        config = c
        let r = w["RRDB"], nf = c.nf
        convFirst = Conv2d(r["conv_first"], in: c.inNc, out: nf, kernel: 3)
        trunk = (0..<c.nb).map { RRDB(r["RRDB_trunk"][$0], features: nf, growth: c.gc, keys: .esrgan) }
        trunkConv = Conv2d(r["trunk_conv"], in: nf, out: nf, kernel: 3)
        upconv1 = Conv2d(r["upconv1"], in: nf, out: nf, kernel: 3)
        // Stored but not needed for sampling: the RRDB's own x4 head and the flow's unused `f`.
        for name in ["upconv2", "HRconv"] { _ = Conv2d(r[name], in: nf, out: nf, kernel: 3) }
        _ = Conv2d(r["conv_last"], in: nf, out: c.outNc, kernel: 3)
        _ = Conv2d(w["flowUpsamplerNet.f"][0], in: c.condChannels, out: 2 * 3 * 64 / 2 / 2, kernel: 3)
        var levels: [(steps: [FlowStep], split: FlowSplit?)] = [], ch = c.inNc, j = 0
        let layers = w["flowUpsamplerNet.layers"]
        for level in 1...c.L {
            ch *= 4
            j += 1  // the squeeze
            var steps: [FlowStep] = []
            for _ in 0..<c.additionalFlowNoAffine {
                steps.append(FlowStep(layers[j], channels: ch, coupling: nil))
                j += 1
            }
            for k in 0..<c.K {
                let std = c.S[level - 1] >= c.K - k
                let coupling = CondAffineCoupling(
                    layers[j]["affine"], channels: ch, condChannels: c.condChannels, hidden: c.hiddenChannels,
                    stdChannels: c.stdChannels, stdMode: std)
                steps.append(FlowStep(layers[j], channels: ch, coupling: coupling))
                j += 1
            }
            var split: FlowSplit? = nil
            if level < c.L {
                let s = FlowSplit(layers[j], channels: ch)
                ch = s.pass
                split = s
                j += 1
            }
            levels.append((steps, split))
        }
        self.levels = levels
        topChannels = ch
    }

    public var scale: Int { config.scale }

    /// The conditional of each level (1-based): `[level feature, nearest-resized stacked blocks]`,
    /// the level features being `fea_up2` (2H), `last_lr_fea` (H) and the bilinear half `fea_up0`.
    func conditionals(_ x: Tensor) -> [Tensor] {
        var fea = convFirst(x), blocks: [Tensor] = []
        for (i, rrdb) in trunk.enumerated() {
            fea = rrdb(fea)
            if config.stackRRDBBlocks.contains(i) { blocks.append(fea) }
        }
        let stacked = concatChannels(config.stackRRDBBlocks.map { blocks[config.stackRRDBBlocks.sorted().firstIndex(of: $0)!] })
        let last = add(fea, trunkConv(fea))
        let up2 = upconv1(upsampleNearest2x(last))
        let features = [up2, last, bilinearHalf(last)]
        return features.prefix(config.L).map { f in
            concatChannels([f, resizeNearest(stacked, height: f.nchw.h, width: f.nchw.w)])
        }
    }

    /// The flow sample for an input whose sides are even, before clamping.
    public func sample(_ x: Tensor, noise: FlowNoise) -> Tensor {
        let conds = conditionals(x)
        let (n, _, h, w) = x.nchw
        let size = { (level: Int) in ((4 * h) >> level, (4 * w) >> level) }
        let (th, tw) = size(config.L)
        var z = noise.sample("z", shape: [n, topChannels, th, tw])
        for level in stride(from: config.L, through: 1, by: -1) {
            let (steps, split) = levels[level - 1]
            if let split { z = split.reverse(z) { noise.sample("split\(level)", shape: $0) } }
            for step in steps.reversed() { z = step.reverse(z, cond: conds[level - 1]) }
            z = pixelShuffle(z, 2)
        }
        return z
    }

    /// The official test script's processing: even-side reflect padding, one sample at `heat`, crop,
    /// and the truncating 8-bit conversion (as a value in [0, 1]).
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let (_, _, h, w) = input.nchw
        let padded = reflectPadBottomRight(input, bottom: h % 2, right: w % 2)
        let y = sample(padded, noise: FlowNoise(.seeded(seed: config.seed, heat: config.heat)))
        return cropTopLeft(y, height: 4 * h, width: 4 * w).map { (min(max($0, 0), 1) * 255).rounded(.down) / 255 }
    }
}

/// `F.interpolate(scale_factor=0.5, mode='bilinear', align_corners=False, recompute_scale_factor=True)`
/// for even sides: each output is the average of a 2x2 block, computed as PyTorch does,
/// `(a * 0.5 + b * 0.5) * 0.5 + (c * 0.5 + d * 0.5) * 0.5`.
func bilinearHalf(_ x: Tensor) -> Tensor {
    let (n, c, h, w) = x.nchw
    let oh = h / 2, ow = w / 2
    return Tensor.filled(shape: [n, c, oh, ow]) { out in
        for p in 0..<(n * c) {
            let base = p * h * w
            for y in 0..<oh {
                for xx in 0..<ow {
                    let i = base + 2 * y * w + 2 * xx
                    let top = x.data[i] * 0.5 + x.data[i + 1] * 0.5
                    let bottom = x.data[i + w] * 0.5 + x.data[i + w + 1] * 0.5
                    out[(p * oh + y) * ow + xx] = top * 0.5 + bottom * 0.5
                }
            }
        }
    }
}
