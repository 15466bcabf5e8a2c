import SISREngine
import SISRCore

/// The official LIIF constructor `LIIF(encoder_spec, imnet_spec, local_ensemble=True, feat_unfold=True,
/// cell_decode=True)` (yinboc/liif `models/liif.py`), plus `scale`, the output scale to query (one
/// checkpoint serves every scale; `sisr upscale --scale` picks it, default 2).
///
/// `encoder_spec` is `{"name": "edsr-baseline" | "rdn", "args": {...}}` and `imnet_spec`
/// `{"name": "mlp", "args": {"out_dim": 3, "hidden_list": [256, 256, 256, 256]}}`, as in the training
/// configs; both, with every size, are read from the checkpoint (`encoder.head.0.weight` names the
/// EDSR baseline, `encoder.SFENet1.weight` RDN), which the official `models.make(..., load_sd=True)`
/// takes from its `model` entry.
///
/// Image convention of the official `demo.py` / `test.py`: the [0, 1] image is normalised to
/// `(x - 0.5) / 0.5`, queried at every pixel centre of the `scale*H x scale*W` target (no padding), and
/// the prediction mapped back by `* 0.5 + 0.5` and clamped.
public struct LIIFConfig: ArchitectureConfig {
    public struct EncoderSpec: Codable, Sendable, Equatable {
        public var name = "edsr-baseline"
        public var args = EncoderArgs()
    }

    /// The arguments of `make_edsr_baseline` (`n_resblocks`, `n_feats`, `res_scale`) and `make_rdn`
    /// (`G0`, `RDNconfig`), with their defaults; `no_upsampling` is always true in LIIF. An RDN encoder
    /// whose sizes are neither config A nor B (not in the official code; small test checkpoints) has
    /// `RDNconfig` "custom" and its sizes in `D`, `C`, `G`.
    public struct EncoderArgs: Codable, Sendable, Equatable {
        public var nResblocks = 16
        public var nFeats = 64
        public var resScale: Float = 1
        public var g0 = 64
        public var rdnConfig = "B"
        public var d: Int?, c: Int?, g: Int?

        enum CodingKeys: String, CodingKey {
            case nResblocks = "n_resblocks", nFeats = "n_feats", resScale = "res_scale", g0 = "G0", rdnConfig = "RDNconfig"
            case d = "D", c = "C", g = "G"
        }

        public init() {}

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = EncoderArgs()
            nResblocks = try c.value(.nResblocks, d.nResblocks)
            nFeats = try c.value(.nFeats, d.nFeats)
            resScale = try c.value(.resScale, d.resScale)
            g0 = try c.value(.g0, d.g0)
            rdnConfig = try c.value(.rdnConfig, d.rdnConfig)
            self.d = try c.decodeIfPresent(Int.self, forKey: .d)
            self.c = try c.decodeIfPresent(Int.self, forKey: .c)
            self.g = try c.decodeIfPresent(Int.self, forKey: .g)
        }

        /// `(D, C, G)`: the config letter's, or the explicit custom sizes.
        var rdnSizes: (blocks: Int, layers: Int, growth: Int)? {
            if let s = Self.rdnConfigs[rdnConfig] { return s }
            guard rdnConfig == "custom", let d, let c, let g, d > 0, c > 0, g > 0 else { return nil }
            return (d, c, g)
        }

        /// `(D, C, G)` of an RDN config letter.
        static let rdnConfigs: [String: (blocks: Int, layers: Int, growth: Int)] = ["A": (20, 6, 32), "B": (16, 8, 64)]
    }

    public struct ImnetSpec: Codable, Sendable, Equatable {
        public var name = "mlp"
        public var args = ImnetArgs()
    }

    public struct ImnetArgs: Codable, Sendable, Equatable {
        public var outDim = 3
        public var hiddenList = [256, 256, 256, 256]
        enum CodingKeys: String, CodingKey { case outDim = "out_dim", hiddenList = "hidden_list" }
    }

    public var encoderSpec = EncoderSpec()
    public var imnetSpec = ImnetSpec()
    public var localEnsemble = true
    public var featUnfold = true
    public var cellDecode = true
    public var scale = 2

    public init() {}

    enum CodingKeys: String, CodingKey {
        case encoderSpec = "encoder_spec", imnetSpec = "imnet_spec", localEnsemble = "local_ensemble"
        case featUnfold = "feat_unfold", cellDecode = "cell_decode", scale
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = LIIFConfig()
        encoderSpec = try c.value(.encoderSpec, d.encoderSpec)
        imnetSpec = try c.value(.imnetSpec, d.imnetSpec)
        localEnsemble = try c.value(.localEnsemble, d.localEnsemble)
        featUnfold = try c.value(.featUnfold, d.featUnfold)
        cellDecode = try c.value(.cellDecode, d.cellDecode)
        scale = try c.value(.scale, d.scale)
    }

    public var upscaleFactor: Int {
        get { scale }
        set { scale = newValue }
    }

    public static let inferredKeys: [String] = []
    public static let outputScaleIsFree = true

    /// Feature channels of the encoder.
    var encoderDim: Int { encoderSpec.name == "rdn" ? encoderSpec.args.g0 : encoderSpec.args.nFeats }

    /// Input width of the MLP: the (unfolded) feature, the relative coordinate, the relative cell.
    var imnetInDim: Int { encoderDim * (featUnfold ? 9 : 1) + 2 + (cellDecode ? 2 : 0) }

    public func inferred(from ck: CheckpointShapes) throws -> LIIFConfig {
        var c = self
        if ck.dict["encoder.SFENet1.weight"] != nil {
            c.encoderSpec.name = "rdn"
            c.encoderSpec.args.g0 = try ck.shape("encoder.SFENet1.weight", rank: 4)[0]
            let blocks = ck.count("encoder.RDBs.", ".LFF.weight")
            let layers = ck.count("encoder.RDBs.0.convs.", ".conv.0.weight")
            let growth = try ck.shape("encoder.RDBs.0.convs.0.conv.0.weight", rank: 4)[0]
            guard blocks > 0, layers > 0 else {
                throw ModelError.incompatibleCheckpoint(source: ck.name, problem: "cannot infer the RDN encoder's blocks and layers")
            }
            if let letter = EncoderArgs.rdnConfigs.first(where: { $0.value == (blocks, layers, growth) })?.key {
                c.encoderSpec.args.rdnConfig = letter
                (c.encoderSpec.args.d, c.encoderSpec.args.c, c.encoderSpec.args.g) = (nil, nil, nil)
            } else {
                c.encoderSpec.args.rdnConfig = "custom"
                (c.encoderSpec.args.d, c.encoderSpec.args.c, c.encoderSpec.args.g) = (blocks, layers, growth)
            }
        } else {
            c.encoderSpec.name = "edsr-baseline"
            c.encoderSpec.args.nFeats = try ck.shape("encoder.head.0.weight", rank: 4)[0]
            c.encoderSpec.args.nResblocks = try ck.positive(ck.count("encoder.body.", ".body.0.weight"), "n_resblocks")
        }
        let linears = ck.count("imnet.layers.", ".weight", step: 2)
        guard linears > 0 else { throw ModelError.incompatibleCheckpoint(source: ck.name, problem: "no imnet.layers.* (not a LIIF checkpoint with an MLP)") }
        c.imnetSpec.args.hiddenList = try (0..<(linears - 1)).map { try ck.shape("imnet.layers.\(2 * $0).weight", rank: 2)[0] }
        c.imnetSpec.args.outDim = try ck.shape("imnet.layers.\(2 * (linears - 1)).weight", rank: 2)[0]
        let inDim = try ck.shape("imnet.layers.0.weight", rank: 2)[1]
        guard inDim == c.imnetInDim else {
            throw ModelError.incompatibleCheckpoint(
                source: ck.name, problem: "the MLP takes \(inDim) inputs, but feat_unfold = \(featUnfold), cell_decode = \(cellDecode) give \(c.imnetInDim)")
        }
        return c
    }

    public func validate() throws {
        guard ["edsr-baseline", "rdn"].contains(encoderSpec.name) else {
            throw ModelError.invalidConfig("LIIF encoder_spec.name must be edsr-baseline or rdn, got '\(encoderSpec.name)'")
        }
        guard imnetSpec.name == "mlp" else { throw ModelError.invalidConfig("LIIF imnet_spec.name must be mlp, got '\(imnetSpec.name)'") }
        try requirePositive(["n_feats": encoderSpec.args.nFeats, "G0": encoderSpec.args.g0, "out_dim": imnetSpec.args.outDim])
        guard imnetSpec.args.hiddenList.allSatisfy({ $0 > 0 }) else { throw ModelError.invalidConfig("LIIF hidden_list sizes must be positive") }
        guard imnetSpec.args.outDim == 3 else { throw ModelError.invalidConfig("LIIF out_dim must be 3 (RGB), got \(imnetSpec.args.outDim)") }
        guard encoderSpec.name != "rdn" || encoderSpec.args.rdnSizes != nil else {
            throw ModelError.invalidConfig("LIIF RDNconfig must be A, B, or custom with positive D, C, G; got '\(encoderSpec.args.rdnConfig)'")
        }
        guard scale >= 1 else { throw ModelError.invalidConfig("LIIF scale must be at least 1, got \(scale)") }
    }

    public func makeNetwork(_ weights: WeightScope) -> any SRNetwork { LIIF(config: self, weights: weights) }
}

/// The LIIF encoders without upsampling: EDSR-baseline (`head.0`, `body.{i}.body.{0,2}`, `body.{n}`;
/// its `sub_mean` / `add_mean` are stored but not applied upstream, accepted and ignored) or RDN
/// (`SFENet1`, `SFENet2`, `RDBs.*`, `GFF.*`).
enum LIIFEncoder: Sendable {
    case edsr(head: Conv2d, blocks: [(Conv2d, Conv2d)], resScale: Float, tail: Conv2d)
    case rdn(sfe1: Conv2d, sfe2: Conv2d, blocks: [ResidualDenseBlock], gff1: Conv2d, gff2: Conv2d)

    init(_ w: WeightScope, _ spec: LIIFConfig.EncoderSpec) {
        let a = spec.args
        if spec.name == "rdn" {
            let (d, c, g) = a.rdnSizes!
            self = .rdn(
                sfe1: Conv2d(w["SFENet1"], in: 3, out: a.g0, kernel: 3), sfe2: Conv2d(w["SFENet2"], in: a.g0, out: a.g0, kernel: 3),
                blocks: (0..<d).map { ResidualDenseBlock(w["RDBs"][$0], features: a.g0, growth: g, layers: c) },
                gff1: Conv2d(w["GFF"][0], in: d * a.g0, out: a.g0, kernel: 1), gff2: Conv2d(w["GFF"][1], in: a.g0, out: a.g0, kernel: 3))
        } else {
            let f = a.nFeats
            for shift in ["sub_mean", "add_mean"] {
                for name in ["weight", "bias"] { _ = w.store.optionalTensor(w[shift].key(name)) }
            }
            self = .edsr(
                head: Conv2d(w["head"][0], in: 3, out: f, kernel: 3),
                blocks: (0..<a.nResblocks).map { (Conv2d(w["body"][$0]["body"][0], in: f, out: f, kernel: 3), Conv2d(w["body"][$0]["body"][2], in: f, out: f, kernel: 3)) },
                resScale: a.resScale, tail: Conv2d(w["body"][a.nResblocks], in: f, out: f, kernel: 3))
        }
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case let .edsr(head, blocks, resScale, tail):
            let h = head(x)
            return add(h, tail(blocks.reduce(h) { t, b in add(t, b.1(b.0(t, .relu)), scaledBy: resScale) }))
        case let .rdn(sfe1, sfe2, blocks, gff1, gff2):
            let f1 = sfe1(x)
            var t = sfe2(f1), outs: [Tensor] = []
            for b in blocks {
                t = b(t)
                outs.append(t)
            }
            return add(gff2(gff1(concatChannels(outs))), f1)
        }
    }
}

/// LIIF (Chen et al. 2021): the encoder's features, decoded at every target pixel by the MLP `imnet`
/// (`imnet.layers.{0,2,...}`, ReLU between) from the nearest (3x3-unfolded) feature vector, the offset
/// to that feature's cell centre and the target cell size, blended over the four nearest cells by the
/// opposite rectangle areas (local ensemble). The first linear layer's feature part is applied once per
/// feature cell instead of once per query (the same sums, regrouped).
public struct LIIF: SRNetwork {
    public let config: LIIFConfig
    let encoder: LIIFEncoder
    let layers: [(weight: Tensor, bias: Tensor)]

    public init(config: LIIFConfig, weights w: WeightScope) {
        self.config = config
        encoder = LIIFEncoder(w["encoder"], config.encoderSpec)
        let dims = [config.imnetInDim] + config.imnetSpec.args.hiddenList + [config.imnetSpec.args.outDim]
        layers = (0..<(dims.count - 1)).map { i in
            let l = w["imnet"]["layers"][2 * i]
            return (l.tensor("weight", shape: [dims[i + 1], dims[i]], fanIn: dims[i]), l.tensor("bias", shape: [dims[i + 1]], fanIn: dims[i]))
        }
    }

    public var scale: Int { config.scale }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let (_, _, h, w) = input.nchw
        let feat = encoder(input.map { ($0 - 0.5) / 0.5 })
        let query = LIIFQuery(featureHeight: h, featureWidth: w, outHeight: h * config.scale, outWidth: w * config.scale,
                              localEnsemble: config.localEnsemble, cellDecode: config.cellDecode)
        let out = query.decode(cellInputs: firstLayerPerCell(feat), layers: layers)
        return out.map { $0 * 0.5 + 0.5 }
    }

    /// `W1[:, :F] . unfold(feat) + b1` for every feature cell: `h*w x hidden0` rows.
    func firstLayerPerCell(_ feat: Tensor) -> (values: [Float], width: Int) {
        let (_, c, h, w) = feat.nchw
        let k = config.featUnfold ? 9 : 1, fdim = c * k
        var tokens = [Float](repeating: 0, count: h * w * fdim)
        for ch in 0..<c {
            for y in 0..<h {
                for x in 0..<w {
                    let row = (y * w + x) * fdim
                    for t in 0..<k {
                        let (dy, dx) = config.featUnfold ? (t / 3 - 1, t % 3 - 1) : (0, 0)
                        let sy = y + dy, sx = x + dx
                        if sy >= 0 && sy < h && sx >= 0 && sx < w { tokens[row + ch * k + t] = feat.data[(ch * h + sy) * w + sx] }
                    }
                }
            }
        }
        let (w1, b1) = layers[0]
        let out = w1.shape[0], inDim = w1.shape[1]
        let featPart = Tensor(shape: [out, fdim], data: (0..<out).flatMap { o in w1.data[(o * inDim)..<(o * inDim + fdim)] })
        var p = [Float](repeating: 0, count: h * w * out)
        let rowsPerItem = 256, items = (h * w + rowsPerItem - 1) / rowsPerItem
        tokens.withUnsafeBufferPointer { pt in
            p.withUnsafeMutableBufferPointer { pp in
                let box = UncheckedSendable(pp)
                Compute.forEachWorker(items: items) { _, its in
                    for it in its {
                        let r0 = it * rowsPerItem, rows = min(rowsPerItem, h * w - r0)
                        TokenOps.linear(UnsafeBufferPointer(rebasing: pt[(r0 * fdim)...]), rows: rows, weight: featPart, bias: b1,
                                        into: UnsafeMutableBufferPointer(rebasing: box.value[(r0 * out)...]))
                    }
                }
            }
        }
        return (p, out)
    }
}
