import SISREngine
/// BasicSR `RRDBNet(num_in_ch=3, num_out_ch=3, scale=4, num_feat=64, num_block=23, num_grow_ch=32)`.
/// Scale 4 is ESRGAN; scales 2 and 1 first pixel-unshuffle the input by 2 or 4 (Real-ESRGAN x2plus).
public struct RRDBNetConfig: ArchitectureConfig {
    public var numInCh = 3
    public var numOutCh = 3
    public var scale = 4
    public var numFeat = 64
    public var numBlock = 23
    public var numGrowCh = 32

    public init() {}

    enum CodingKeys: String, CodingKey {
        case numInCh = "num_in_ch", numOutCh = "num_out_ch", scale, numFeat = "num_feat"
        case numBlock = "num_block", numGrowCh = "num_grow_ch"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RRDBNetConfig()
        numInCh = try c.value(.numInCh, d.numInCh)
        numOutCh = try c.value(.numOutCh, d.numOutCh)
        scale = try c.value(.scale, d.scale)
        numFeat = try c.value(.numFeat, d.numFeat)
        numBlock = try c.value(.numBlock, d.numBlock)
        numGrowCh = try c.value(.numGrowCh, d.numGrowCh)
    }

    public var upscaleFactor: Int {
        get { scale }
        set { scale = newValue }
    }

    public static let inferredKeys = ["num_out_ch", "scale", "num_feat", "num_block", "num_grow_ch"]

    /// Input channels of `conv_first` after the pixel unshuffle.
    var unshuffle: Int { scale == 4 ? 1 : 4 / scale }

    public func inferred(from ck: CheckpointShapes) throws -> RRDBNetConfig {
        var c = self
        let first = try ck.shape("conv_first.weight", rank: 4)
        c.numFeat = first[0]
        switch first[1] {
        case numInCh: c.scale = 4
        case numInCh * 4: c.scale = 2
        case numInCh * 16: c.scale = 1
        default:
            throw ModelError.incompatibleCheckpoint(
                source: ck.name, problem: "conv_first takes \(first[1]) channels, not \(numInCh) x 1, 4 or 16")
        }
        c.numOutCh = try ck.shape("conv_last.weight", rank: 4)[0]
        c.numBlock = try ck.positive(ck.count("body.", ".rdb1.conv1.weight"), "num_block")
        c.numGrowCh = try ck.shape("body.0.rdb1.conv1.weight", rank: 4)[0]
        return c
    }

    public func validate() throws {
        try requirePositive(["num_feat": numFeat, "num_block": numBlock, "num_grow_ch": numGrowCh])
        try requireMeanShiftable(inCh: numInCh, outCh: numOutCh, mean: DIV2K.rgbMean, range: 1)
        guard [1, 2, 4].contains(scale) else { throw ModelError.invalidConfig("RRDBNet scale must be 1, 2 or 4, got \(scale)") }
    }

    public func makeNetwork(_ weights: WeightScope) -> any SRNetwork { RRDBNet(config: self, weights: weights) }
}

/// How the convolutions of an RRDB are named in a checkpoint.
enum RRDBKeys: Sendable {
    /// BasicSR: `rdb1.conv1.weight`.
    case basicSR
    /// Official ESRGAN / SRFlow / NCSR: `RDB1.conv1.weight`.
    case esrgan
    /// Old BasicSR / mmsr `conv_block` Sequentials (SPSR): `RDB1.conv1.0.weight`.
    case mmsr

    func block(_ w: WeightScope, _ i: Int) -> WeightScope { self == .basicSR ? w["rdb\(i)"] : w["RDB\(i)"] }
    func conv(_ w: WeightScope, _ i: Int) -> WeightScope { self == .mmsr ? w["conv\(i)"][0] : w["conv\(i)"] }
}

/// ESRGAN's residual dense block: five 3x3 convs on the growing concatenation, LeakyReLU 0.2 after the
/// first four, output `0.2 * x5 + x`. Keys `conv1` ... `conv5`.
struct DenseBlock5: Sendable {
    let convs: [Conv2d]

    init(_ w: WeightScope, features f: Int, growth g: Int, keys: RRDBKeys = .basicSR) {
        convs = (0..<5).map { i in Conv2d(keys.conv(w, i + 1), in: f + i * g, out: i == 4 ? f : g, kernel: 3) }
    }

    /// The growing concatenation lives in one `[N, f + 4g, H, W]` tensor: each of the first four convs
    /// reads its leading channels and writes its output into the next slice (no copies).
    func callAsFunction(_ x: Tensor) -> Tensor {
        let (n, f, h, w) = x.nchw
        let total = convs[4].inChannels, plane = h * w
        // Channels past f are written by the convs before any conv reads them.
        var stack = Tensor.filled(shape: [n, total, h, w]) { out in
            x.data.withUnsafeBufferPointer { px in
                for b in 0..<n { (out.baseAddress! + b * total * plane).update(from: px.baseAddress! + b * f * plane, count: f * plane) }
            }
        }
        for conv in convs.dropLast() {
            conv(stack: &stack, inputChannels: conv.inChannels, outputOffset: conv.inChannels, .leakyReLU(0.2))
        }
        return add(x, convs[4](stack), scaledBy: 0.2)
    }
}

/// Residual-in-residual dense block: `0.2 * rdb3(rdb2(rdb1(x))) + x`.
struct RRDB: Sendable {
    let blocks: [DenseBlock5]

    init(_ w: WeightScope, features f: Int, growth g: Int, keys: RRDBKeys = .basicSR) {
        blocks = (1...3).map { DenseBlock5(keys.block(w, $0), features: f, growth: g, keys: keys) }
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        add(x, blocks.reduce(x) { $1($0) }, scaledBy: 0.2)
    }
}

/// RRDBNet (ESRGAN / Real-ESRGAN) in BasicSR's layout: `conv_first`, `body.{i}.rdb{1,2,3}.conv{1..5}`,
/// `conv_body`, `conv_up1`, `conv_up2`, `conv_hr`, `conv_last`. For scales 2 and 1 an input whose sides
/// are not multiples of 4/scale is reflect-padded at the bottom/right (as Real-ESRGAN's inference does)
/// and the output cropped back to `scale * H x scale * W`.
public struct RRDBNet: SRNetwork {
    public let config: RRDBNetConfig
    let convFirst: Conv2d
    let body: [RRDB]
    let convBody: Conv2d, convUp1: Conv2d, convUp2: Conv2d, convHR: Conv2d, convLast: Conv2d

    public init(config: RRDBNetConfig, weights w: WeightScope) {
        self.config = config
        let f = config.numFeat, u = config.unshuffle
        convFirst = Conv2d(w["conv_first"], in: config.numInCh * u * u, out: f, kernel: 3)
        body = (0..<config.numBlock).map { RRDB(w["body"][$0], features: f, growth: config.numGrowCh) }
        convBody = Conv2d(w["conv_body"], in: f, out: f, kernel: 3)
        convUp1 = Conv2d(w["conv_up1"], in: f, out: f, kernel: 3)
        convUp2 = Conv2d(w["conv_up2"], in: f, out: f, kernel: 3)
        convHR = Conv2d(w["conv_hr"], in: f, out: f, kernel: 3)
        convLast = Conv2d(w["conv_last"], in: f, out: config.numOutCh, kernel: 3)
    }

    public var scale: Int { config.scale }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let (_, _, h, w) = input.nchw
        let u = config.unshuffle
        var x = input
        if u > 1 {
            let (ph, pw) = ((u - h % u) % u, (u - w % u) % u)
            if ph > 0 || pw > 0 { x = reflectPadBottomRight(x, bottom: ph, right: pw) }
            x = pixelUnshuffle(x, u)
        }
        var feat = convFirst(x)
        feat = add(feat, convBody(body.reduce(feat) { $1($0) }))
        feat = convUp1(upsampleNearest2x(feat), .leakyReLU(0.2))
        feat = convUp2(upsampleNearest2x(feat), .leakyReLU(0.2))
        let out = convLast(convHR(feat, .leakyReLU(0.2)))
        return cropTopLeft(out, height: h * config.scale, width: w * config.scale)
    }
}
