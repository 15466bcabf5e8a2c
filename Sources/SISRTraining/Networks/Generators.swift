import SRModels

// Trainable forms of the engine's convolutional SR networks, with the same keys as SRModels reads
// (BasicSR layout; RDN in EDSR-PyTorch layout) and BasicSR's initialisation: PyTorch defaults (EDSR uses
// `pytorch_init=True`), and `default_init_weights(scale 0.1)` in RRDBNet's dense blocks.

/// Sub-pixel upsampler: convs at `prefix.0, .2, ...`, each followed by PixelShuffle.
struct UpsamplerLayer {
    let steps: [(conv: ConvLayer, factor: Int)]

    init(_ s: LayerScope, features: Int, scale: Int, outFeatures: Int? = nil) {
        var cin = features
        steps = Upsampler.factors(scale).enumerated().map { i, f in
            let cout = outFeatures ?? features
            defer { cin = cout }
            return (ConvLayer(s[2 * i], in: cin, out: cout * f * f, kernel: 3), f)
        }
    }

    func callAsFunction(_ x: Variable) -> Variable { steps.reduce(x) { pixelShuffle($1.conv($0), $1.factor) } }
}

/// BasicSR `EDSR`.
public final class TrainableEDSR: TrainableNetwork {
    public let parameters: ParameterList
    let config: EDSRConfig
    let convFirst: ConvLayer
    let body: [(ConvLayer, ConvLayer)]
    let convAfterBody: ConvLayer, convLast: ConvLayer
    let upsample: UpsamplerLayer

    public init(_ config: EDSRConfig, seed: UInt64) {
        self.config = config
        parameters = ParameterList(seed: seed)
        let s = LayerScope(parameters), f = config.numFeat
        convFirst = ConvLayer(s["conv_first"], in: config.numInCh, out: f, kernel: 3)
        body = (0..<config.numBlock).map { i in
            (ConvLayer(s["body"][i]["conv1"], in: f, out: f, kernel: 3),
             ConvLayer(s["body"][i]["conv2"], in: f, out: f, kernel: 3))
        }
        convAfterBody = ConvLayer(s["conv_after_body"], in: f, out: f, kernel: 3)
        upsample = UpsamplerLayer(s["upsample"], features: f, scale: config.upscale)
        convLast = ConvLayer(s["conv_last"], in: f, out: config.numOutCh, kernel: 3)
    }

    public func forward(_ input: Variable) -> Variable {
        let x = convFirst(subtractMean(input, mean: config.rgbMean, range: config.imgRange))
        let b = body.reduce(x) { h, blk in add(h, blk.1(relu(blk.0(h))), scaledBy: config.resScale) }
        let res = add(convAfterBody(b), x)
        return addMean(convLast(upsample(res)), mean: config.rgbMean, range: config.imgRange)
    }
}

/// BasicSR `RCAN`.
public final class TrainableRCAN: TrainableNetwork {
    struct Block { let conv1, conv2, squeeze, excite: ConvLayer }
    public let parameters: ParameterList
    let config: RCANConfig
    let convFirst: ConvLayer
    let groups: [(blocks: [Block], conv: ConvLayer)]
    let convAfterBody: ConvLayer, convLast: ConvLayer
    let upsample: UpsamplerLayer

    public init(_ config: RCANConfig, seed: UInt64) {
        self.config = config
        parameters = ParameterList(seed: seed)
        let s = LayerScope(parameters), f = config.numFeat, sq = config.numFeat / config.squeezeFactor
        convFirst = ConvLayer(s["conv_first"], in: config.numInCh, out: f, kernel: 3)
        groups = (0..<config.numGroup).map { g in
            let gs = s["body"][g]
            let blocks = (0..<config.numBlock).map { b -> Block in
                let r = gs["residual_group"][b]["rcab"]
                return Block(
                    conv1: ConvLayer(r[0], in: f, out: f, kernel: 3), conv2: ConvLayer(r[2], in: f, out: f, kernel: 3),
                    squeeze: ConvLayer(r[3]["attention"][1], in: f, out: sq, kernel: 1),
                    excite: ConvLayer(r[3]["attention"][3], in: sq, out: f, kernel: 1))
            }
            return (blocks, ConvLayer(gs["conv"], in: f, out: f, kernel: 3))
        }
        convAfterBody = ConvLayer(s["conv_after_body"], in: f, out: f, kernel: 3)
        upsample = UpsamplerLayer(s["upsample"], features: f, scale: config.upscale)
        convLast = ConvLayer(s["conv_last"], in: f, out: config.numOutCh, kernel: 3)
    }

    func rcab(_ b: Block, _ x: Variable) -> Variable {
        let z = b.conv2(relu(b.conv1(x)))
        let attention = sigmoid(b.excite(relu(b.squeeze(globalAveragePool(z)))))
        return add(x, multiplyChannels(z, by: attention), scaledBy: config.resScale)
    }

    public func forward(_ input: Variable) -> Variable {
        let x = convFirst(subtractMean(input, mean: config.rgbMean, range: config.imgRange))
        let body = groups.reduce(x) { h, g in add(g.conv(g.blocks.reduce(h) { rcab($1, $0) }), h) }
        let res = add(convAfterBody(body), x)
        return addMean(convLast(upsample(res)), mean: config.rgbMean, range: config.imgRange)
    }
}

/// RDN (EDSR-PyTorch layout).
public final class TrainableRDN: TrainableNetwork {
    public let parameters: ParameterList
    let config: RDNConfig
    let sfe1: ConvLayer, sfe2: ConvLayer
    let blocks: [(convs: [ConvLayer], fusion: ConvLayer)]
    let gff1: ConvLayer, gff2: ConvLayer
    let upsample: UpsamplerLayer
    let convLast: ConvLayer

    public init(_ config: RDNConfig, seed: UInt64) {
        self.config = config
        parameters = ParameterList(seed: seed)
        let s = LayerScope(parameters), g0 = config.numFeat, g = config.numGrowCh, c = config.numLayer
        sfe1 = ConvLayer(s["SFENet1"], in: config.numInCh, out: g0, kernel: 3)
        sfe2 = ConvLayer(s["SFENet2"], in: g0, out: g0, kernel: 3)
        blocks = (0..<config.numBlock).map { d in
            let ds = s["RDBs"][d]
            return ((0..<c).map { ConvLayer(ds["convs"][$0]["conv"][0], in: g0 + $0 * g, out: g, kernel: 3) },
                    ConvLayer(ds["LFF"], in: g0 + c * g, out: g0, kernel: 1))
        }
        gff1 = ConvLayer(s["GFF"][0], in: config.numBlock * g0, out: g0, kernel: 1)
        gff2 = ConvLayer(s["GFF"][1], in: g0, out: g0, kernel: 3)
        upsample = UpsamplerLayer(s["UPNet"], features: g0, scale: config.upscale, outFeatures: g)
        convLast = ConvLayer(s["UPNet"][2 * Upsampler.factors(config.upscale).count], in: g, out: config.numOutCh, kernel: 3)
    }

    public func forward(_ input: Variable) -> Variable {
        let range = config.imgRange
        let f1 = sfe1(range == 1 ? input : scaled(input, by: range))
        var x = sfe2(f1)
        var outs: [Variable] = []
        for blk in blocks {
            let t = blk.convs.reduce(x) { t, conv in concatChannels([t, relu(conv(t))]) }
            x = add(blk.fusion(t), x)
            outs.append(x)
        }
        x = add(gff2(gff1(concatChannels(outs))), f1)
        let y = convLast(upsample(x))
        return range == 1 ? y : divided(y, by: range)
    }
}

/// BasicSR `RRDBNet` (scale 4, 2 or 1; the input sides must be multiples of 4/scale).
public final class TrainableRRDBNet: TrainableNetwork {
    public let parameters: ParameterList
    let config: RRDBNetConfig
    let convFirst: ConvLayer
    let body: [[[ConvLayer]]]
    let convBody: ConvLayer, convUp1: ConvLayer, convUp2: ConvLayer, convHR: ConvLayer, convLast: ConvLayer

    public init(_ config: RRDBNetConfig, seed: UInt64) {
        self.config = config
        parameters = ParameterList(seed: seed)
        let s = LayerScope(parameters), f = config.numFeat, g = config.numGrowCh
        let u = config.scale == 4 ? 1 : 4 / config.scale
        convFirst = ConvLayer(s["conv_first"], in: config.numInCh * u * u, out: f, kernel: 3)
        body = (0..<config.numBlock).map { b in
            (1...3).map { r in
                (0..<5).map { i in
                    ConvLayer(s["body"][b]["rdb\(r)"]["conv\(i + 1)"], in: f + i * g, out: i == 4 ? f : g, kernel: 3, basicSRScale: 0.1)
                }
            }
        }
        convBody = ConvLayer(s["conv_body"], in: f, out: f, kernel: 3)
        convUp1 = ConvLayer(s["conv_up1"], in: f, out: f, kernel: 3)
        convUp2 = ConvLayer(s["conv_up2"], in: f, out: f, kernel: 3)
        convHR = ConvLayer(s["conv_hr"], in: f, out: f, kernel: 3)
        convLast = ConvLayer(s["conv_last"], in: f, out: config.numOutCh, kernel: 3)
    }

    func denseBlock(_ convs: [ConvLayer], _ x: Variable) -> Variable {
        var parts = [x]
        for conv in convs.dropLast() { parts.append(leakyReLU(conv(concatChannels(parts)), slope: 0.2)) }
        return add(x, convs[4](concatChannels(parts)), scaledBy: 0.2)
    }

    public func forward(_ input: Variable) -> Variable {
        let u = config.scale == 4 ? 1 : 4 / config.scale
        let x = u > 1 ? pixelUnshuffle(input, u) : input
        var feat = convFirst(x)
        let trunk = body.reduce(feat) { h, rrdb in add(h, rrdb.reduce(h) { denseBlock($1, $0) }, scaledBy: 0.2) }
        feat = add(feat, convBody(trunk))
        feat = leakyReLU(convUp1(upsampleNearest2x(feat)), slope: 0.2)
        feat = leakyReLU(convUp2(upsampleNearest2x(feat)), slope: 0.2)
        return convLast(leakyReLU(convHR(feat), slope: 0.2))
    }
}
