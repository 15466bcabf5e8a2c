import SISREngine
/// Official ProSR `ProSR(residual_denseblock, num_init_features, bn_size, growth_rate, ps_woReLU,
/// level_config, level_compression, res_factor, max_num_feature, max_scale)` (fperazzi/proSR), with
/// the defaults of its `prosr_params.G` (ProSR-L and ProSRGAN share them) and the normalisation of
/// `params.train.dataset` (`mean`, `stddev`). `upscale_factor` is the forward argument (2, 4 or 8, at
/// most `max_scale`): one checkpoint serves every scale of its pyramid.
///
/// Test script (`test.py`, whole image, no `--max-dimension`): the LR image `x` (uint8 / 255) is
/// normalised `(x - mean) / stddev`; the output is `net(x, scale)` plus the normalised PIL bicubic
/// upscale of the 8-bit LR image, de-normalised `v * stddev + mean` (`tensor2im`), clipped, x255 and
/// rounded. Every size is inferred from the checkpoint except `ps_woReLU`, `res_factor`, `mean` and
/// `stddev` (which the checkpoint's `params` EasyDict holds; the defaults are the published ones).
/// Only the residual variants (ProSR-L, ProSRGAN; `residual_denseblock` true) are implemented.
public struct ProSRConfig: ArchitectureConfig {
    public var residualDenseblock = true
    public var numInitFeatures = 160
    public var bnSize = 4
    public var growthRate = 40
    public var psWoReLU = false
    public var levelConfig = [[8, 8, 8, 8, 8, 8, 8, 8, 8], [8, 8, 8], [8]]
    public var levelCompression: Double = -1
    public var resFactor: Float = 0.2
    public var maxNumFeature = 312
    public var maxScale = 8
    public var upscaleFactorValue = 4
    public var mean: [Double] = [0.4488, 0.4371, 0.4040]
    public var stddev: [Double] = [0.0039215, 0.0039215, 0.0039215]

    public init() {}

    enum CodingKeys: String, CodingKey {
        case residualDenseblock = "residual_denseblock", numInitFeatures = "num_init_features", bnSize = "bn_size"
        case growthRate = "growth_rate", psWoReLU = "ps_woReLU", levelConfig = "level_config"
        case levelCompression = "level_compression", resFactor = "res_factor", maxNumFeature = "max_num_feature"
        case maxScale = "max_scale", upscaleFactorValue = "upscale_factor", mean, stddev
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ProSRConfig()
        residualDenseblock = try c.value(.residualDenseblock, d.residualDenseblock)
        numInitFeatures = try c.value(.numInitFeatures, d.numInitFeatures)
        bnSize = try c.value(.bnSize, d.bnSize)
        growthRate = try c.value(.growthRate, d.growthRate)
        psWoReLU = try c.value(.psWoReLU, d.psWoReLU)
        levelConfig = try c.value(.levelConfig, d.levelConfig)
        levelCompression = try c.value(.levelCompression, d.levelCompression)
        resFactor = try c.value(.resFactor, d.resFactor)
        maxNumFeature = try c.value(.maxNumFeature, d.maxNumFeature)
        maxScale = try c.value(.maxScale, d.maxScale)
        upscaleFactorValue = try c.value(.upscaleFactorValue, d.upscaleFactorValue)
        mean = try c.value(.mean, d.mean)
        stddev = try c.value(.stddev, d.stddev)
    }

    public var upscaleFactor: Int {
        get { upscaleFactorValue }
        set { upscaleFactorValue = newValue }
    }

    public static let inferredKeys = ["residual_denseblock", "num_init_features", "bn_size", "growth_rate", "level_config", "max_scale"]

    var levels: Int { levelConfig.count }

    public func inferred(from ck: CheckpointShapes) throws -> ProSRConfig {
        var c = self
        let levels = try ck.positive(countFromOne(ck, "init_conv_", ".conv.1.weight"), "the number of pyramid levels")
        c.maxScale = 1 << levels
        c.numInitFeatures = try ck.shape("init_conv_1.conv.1.weight", rank: 4)[0]
        c.residualDenseblock = ck.dict["pyramid_residual_1.residual_denseblock_1.comp.conv1.weight"] != nil
        guard c.residualDenseblock else {
            throw ModelError.incompatibleCheckpoint(
                source: ck.name, problem: "no pyramid_residual_1.residual_denseblock_1: only the residual ProSR variants (ProSR-L, ProSRGAN) are supported")
        }
        c.levelConfig = try (1...levels).map { level in
            let prefix = "pyramid_residual_\(level).residual_denseblock_"
            let blocks = try ck.positive(countFromOne(ck, prefix, ".comp.conv1.weight"), "the dense blocks of level \(level)")
            return try (1...blocks).map { b in
                try ck.positive(countFromOne(ck, "\(prefix)\(b).dense_block.denselayer", ".conv_1.weight"), "the layers of level \(level) block \(b)")
            }
        }
        let layer = "pyramid_residual_1.residual_denseblock_1.dense_block.denselayer1"
        c.growthRate = try ck.shape("\(layer).conv_2.conv.1.weight", rank: 4)[0]
        let bottleneck = try ck.shape("\(layer).conv_1.weight", rank: 4)[0]
        guard bottleneck % c.growthRate == 0 else {
            throw ModelError.incompatibleCheckpoint(source: ck.name, problem: "conv_1 has \(bottleneck) outputs, not a multiple of growth_rate \(c.growthRate)")
        }
        c.bnSize = bottleneck / c.growthRate
        if let comp = ck.dict["pyramid_residual_1.final_conv.final_comp.conv1.weight"] { c.maxNumFeature = comp.shape[0] }
        return c
    }

    /// How many of `prefix 1 suffix`, `prefix 2 suffix`, ... exist.
    private func countFromOne(_ ck: CheckpointShapes, _ prefix: String, _ suffix: String) -> Int {
        var i = 0
        while ck.dict["\(prefix)\(i + 1)\(suffix)"] != nil { i += 1 }
        return i
    }

    public func validate() throws {
        try requirePositive(["num_init_features": numInitFeatures, "bn_size": bnSize, "growth_rate": growthRate, "max_num_feature": maxNumFeature])
        guard residualDenseblock else { throw ModelError.invalidConfig("only residual_denseblock = true (ProSR-L, ProSRGAN) is supported") }
        guard !levelConfig.isEmpty, levelConfig.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 > 0 } }) else {
            throw ModelError.invalidConfig("level_config needs at least one level of positive layer counts, got \(levelConfig)")
        }
        guard maxScale == 1 << levels else { throw ModelError.invalidConfig("max_scale \(maxScale) does not match \(levels) pyramid levels") }
        guard upscaleFactor >= 2, upscaleFactor <= maxScale, upscaleFactor & (upscaleFactor - 1) == 0 else {
            throw ModelError.invalidConfig("ProSR upscale_factor must be a power of 2 in 2...\(maxScale), got \(upscaleFactor)")
        }
        guard mean.count == 3, stddev.count == 3, stddev.allSatisfy({ $0 > 0 }) else {
            throw ModelError.invalidConfig("mean and stddev need 3 values each (stddev positive)")
        }
    }

    public func makeNetwork(_ weights: WeightScope) -> any SRNetwork { ProSR(config: self, weights: weights) }
}

/// ProSR's `Conv2d`: reflection padding `kernel / 2` (the default `padding_type`), then an unpadded
/// convolution; the conv sits at index 1 of the module's `conv` Sequential.
struct ReflectConv: Sendable {
    let conv: Conv2d

    init(_ w: WeightScope, in cin: Int, out cout: Int, kernel: Int = 3) {
        conv = Conv2d(w["conv"][1], in: cin, out: cout, kernel: kernel)
    }

    func callAsFunction(_ x: Tensor, _ activation: Activation = .identity) -> Tensor {
        conv2d(reflectPad(x, conv.padding), weight: conv.weight, bias: conv.bias, padding: 0, activation: activation)
    }
}

/// `DenseResidualBlock`: dense layers (1x1 conv to `bn_size * growth`, ReLU, reflect 3x3 conv to
/// `growth`, concatenated), a compression back to the input width, `res_factor * out + x`.
struct ProSRDenseResidualBlock: Sendable {
    let layers: [(bottleneck: Conv2d, conv: ReflectConv)]
    let comp: Conv2d
    let resFactor: Float

    init(_ w: WeightScope, features f: Int, layers n: Int, config c: ProSRConfig) {
        let g = c.growthRate
        layers = (0..<n).map { i in
            let l = w["dense_block"]["denselayer\(i + 1)"]
            return (Conv2d(l["conv_1"], in: f + i * g, out: c.bnSize * g, kernel: 1), ReflectConv(l["conv_2"], in: c.bnSize * g, out: g))
        }
        comp = ProSR.compression(w["comp"], f + n * g, f)
        resFactor = c.resFactor
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        var feats = x
        for l in layers { feats = concatChannels([feats, l.conv(l.bottleneck(feats, .relu))]) }
        return add(x, comp(feats), scaledBy: resFactor)
    }
}

/// One pyramid level: optional compression, dense residual blocks, the final conv (with a compression
/// to `max_num_feature` when wider), the x2 pixel-shuffle upsampler and the reconstruction conv.
struct ProSRLevel: Sendable {
    let compression: Conv2d?
    let blocks: [ProSRDenseResidualBlock]
    let finalComp: Conv2d?
    let finalConv: ReflectConv
    let upsampler: ReflectConv
    let upsamplerReLU: Bool
    let reconst: ReflectConv
    let outFeatures: Int

    init(_ w: WeightScope, level i: Int, inFeatures: Int, config c: ProSRConfig) {
        let p = w["pyramid_residual_\(i + 1)"]
        var f = inFeatures
        if i > 0 {
            let out = c.levelCompression <= 0 ? c.numInitFeatures : Int(c.levelCompression * Double(f))
            compression = ProSR.compression(p["compression_\(i)"], f, out)
            f = out
        } else {
            compression = nil
        }
        blocks = c.levelConfig[i].enumerated().map { b, n in
            ProSRDenseResidualBlock(p["residual_denseblock_\(b + 1)"], features: f, layers: n, config: c)
        }
        if f > c.maxNumFeature {
            finalComp = ProSR.compression(p["final_conv"]["final_comp"], f, c.maxNumFeature)
            f = c.maxNumFeature
        } else {
            finalComp = nil
        }
        finalConv = ReflectConv(p["final_conv"]["final_conv"], in: f, out: f)
        upsampler = ReflectConv(w["pyramid_residual_\(i + 1)_residual_upsampler"]["m"][0], in: f, out: 4 * f)
        upsamplerReLU = !c.psWoReLU
        reconst = ReflectConv(w["reconst_\(i + 1)"]["final_conv"], in: f, out: 3)
        outFeatures = f
    }

    /// The level's residual body plus its input, upsampled x2 (the features the next level receives).
    func features(_ x: Tensor) -> Tensor {
        var h = compression.map { $0(x) } ?? x
        h = blocks.reduce(h) { $1($0) }
        if let finalComp { h = finalComp(h) }
        let res = add(finalConv(h), x)
        let up = pixelShuffle(upsampler(res), 2)
        return upsamplerReLU ? relu(up) : up
    }
}

/// ProSR (Wang et al. 2018), the progressive pyramid of dense compression units, in the official key
/// layout: `init_conv_{s}`, `pyramid_residual_{l}.{compression_{l-1}, residual_denseblock_{b}.
/// {dense_block.denselayer{k}.{conv_1, conv_2.conv.1}, comp.conv1}, final_conv.final_conv.conv.1}`,
/// `pyramid_residual_{l}_residual_upsampler.m.0.conv.1`, `reconst_{l}.final_conv.conv.1`. The x`s`
/// output uses `init_conv_{log2 s}`, the first `log2 s` levels and `reconst_{log2 s}`; it is added to
/// the PIL bicubic upscale of the input and de-normalised (see ``ProSRConfig``).
public struct ProSR: SRNetwork {
    public let config: ProSRConfig
    let initConvs: [ReflectConv]
    let levels: [ProSRLevel]

    /// `CompressionBlock`: a bias-free 1x1 convolution (`conv1`).
    static func compression(_ w: WeightScope, _ cin: Int, _ cout: Int) -> Conv2d {
        Conv2d(w["conv1"], in: cin, out: cout, kernel: 1, bias: false)
    }

    public init(config: ProSRConfig, weights w: WeightScope) {
        self.config = config
        initConvs = (1...config.levels).map { ReflectConv(w["init_conv_\($0)"], in: 3, out: config.numInitFeatures) }
        var levels: [ProSRLevel] = [], f = config.numInitFeatures
        for i in 0..<config.levels {
            let level = ProSRLevel(w, level: i, inFeatures: f, config: config)
            levels.append(level)
            f = level.outFeatures
        }
        self.levels = levels
    }

    public var scale: Int { config.upscaleFactor }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let (_, _, h, w) = input.nchw
        let s = config.upscaleFactor, steps = s.trailingZeroBitCount
        let mean = config.mean.map { Float($0) }, std = config.stddev.map { Float($0) }
        let normalise = { (t: Tensor) in t.mapChannels { ($0 - mean[$1]) / std[$1] } }
        var feats = initConvs[steps - 1](normalise(input))
        for level in levels.prefix(steps) { feats = level.features(feats) }
        let residual = levels[steps - 1].reconst(feats)
        let bicubic = pilBicubicUpscale(input, height: h * s, width: w * s)
        let out = add(residual, normalise(bicubic))
        return out.mapChannels { Float(Double($0) * config.stddev[$1] + config.mean[$1]) }
    }
}
