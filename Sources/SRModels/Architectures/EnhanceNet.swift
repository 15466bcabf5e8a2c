import SISREngine
/// EnhanceNet-PAT (Sajjadi et al. 2017) as built by the official `enhancenet.py`
/// (msmsajjadi/EnhanceNet-Code): `conv` is `convolution2d(n=64, kernel 3, 'SAME')` and the generator
/// is `[conv, relu] + residual_blocks x [conv, relu, conv] (+ input) + 2 x [upsample, conv, relu] +
/// [conv, relu] + [conv, 3]`. The script has no constructor; the keys name its values: `n`, the
/// number of residual blocks (`residual_blocks`, 10) and `PER_CHANNEL_MEANS` (`per_channel_means`).
/// `n` and `residual_blocks` are inferred from the checkpoint. The network always upscales x4.
///
/// Test script: the image is `uint8 / 255` in float64 minus the means, fed as float32; the output is
/// the generator's plus TensorFlow 1's legacy bicubic x4 resize of that input plus the means (float32),
/// saved with `toimage(cmin=0, cmax=255)` (clip, +0.5, truncate). The script's own first step,
/// `loadimg`'s ANTIALIAS downscale of the given photo by 4, is LR generation: here the input is the LR.
public struct EnhanceNetConfig: ArchitectureConfig {
    public var n = 64
    public var residualBlocks = 10
    public var perChannelMeans: [Double] = [0.47614917, 0.45001204, 0.40904046]
    public var upscale = 4

    public init() {}

    enum CodingKeys: String, CodingKey {
        case n, residualBlocks = "residual_blocks", perChannelMeans = "per_channel_means", upscale
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = EnhanceNetConfig()
        n = try c.value(.n, d.n)
        residualBlocks = try c.value(.residualBlocks, d.residualBlocks)
        perChannelMeans = try c.value(.perChannelMeans, d.perChannelMeans)
        upscale = try c.value(.upscale, d.upscale)
    }

    public var upscaleFactor: Int {
        get { upscale }
        set { upscale = newValue }
    }

    public static let inferredKeys = ["n", "residual_blocks"]

    /// TensorFlow's name of the `i`-th convolution created under `generator/`.
    static func convName(_ i: Int) -> String { i == 0 ? "generator/Conv/" : "generator/Conv_\(i)/" }

    public func inferred(from ck: CheckpointShapes) throws -> EnhanceNetConfig {
        var c = self
        c.n = try ck.shape(Self.convName(0) + "weights", rank: 4)[0]
        var convs = 0
        while ck.dict[Self.convName(convs) + "weights"] != nil { convs += 1 }
        guard convs >= 5, (convs - 5) % 2 == 0 else {
            throw ModelError.incompatibleCheckpoint(source: ck.name, problem: "\(convs) generator convolutions do not make an EnhanceNet generator (5 + 2 per residual block)")
        }
        c.residualBlocks = (convs - 5) / 2
        return c
    }

    public func validate() throws {
        try requirePositive(["n": n])
        guard residualBlocks >= 0 else { throw ModelError.invalidConfig("residual_blocks must not be negative, got \(residualBlocks)") }
        guard upscale == 4 else { throw ModelError.invalidConfig("EnhanceNet upscales x4 only, got \(upscale)") }
        guard perChannelMeans.count == 3 else { throw ModelError.invalidConfig("per_channel_means needs 3 values, got \(perChannelMeans.count)") }
    }

    public func makeNetwork(_ weights: WeightScope) -> any SRNetwork { EnhanceNet(config: self, weights: weights) }
}

extension Conv2d {
    /// A convolution stored as TensorFlow names it (`<scope>weights`, `<scope>biases`), already
    /// transposed to OIHW by the checkpoint reader.
    init(tensorflow w: WeightScope, in cin: Int, out cout: Int, kernel: Int = 3) {
        let fanIn = cin * kernel * kernel
        weight = w.tensor("weights", shape: [cout, cin, kernel, kernel], fanIn: fanIn)
        bias = w.tensor("biases", shape: [cout], fanIn: fanIn)
        padding = kernel / 2
    }
}

/// EnhanceNet's generator in the official TensorFlow variable layout (`generator/Conv`,
/// `generator/Conv_1`, ... in creation order, `weights` HWIO in the file, `biases`).
public struct EnhanceNet: SRNetwork {
    public let config: EnhanceNetConfig
    let first: Conv2d
    let blocks: [(Conv2d, Conv2d)]
    let upConvs: [Conv2d]
    let penultimate: Conv2d, last: Conv2d

    public init(config: EnhanceNetConfig, weights w: WeightScope) {
        self.config = config
        let n = config.n, r = config.residualBlocks
        func conv(_ i: Int, _ cin: Int, _ cout: Int) -> Conv2d {
            Conv2d(tensorflow: WeightScope(w.store, prefix: w.prefix + EnhanceNetConfig.convName(i)), in: cin, out: cout)
        }
        first = conv(0, 3, n)
        blocks = (0..<r).map { (conv(1 + 2 * $0, n, n), conv(2 + 2 * $0, n, n)) }
        upConvs = (0..<2).map { conv(1 + 2 * r + $0, n, n) }
        penultimate = conv(3 + 2 * r, n, n)
        last = conv(4 + 2 * r, n, 3)
    }

    public var scale: Int { 4 }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let (_, _, h, w) = input.nchw
        let means = config.perChannelMeans
        // uint8 / 255 - mean in float64, then float32, as numpy feeds the placeholder.
        let xs = input.mapChannels { Float(Double(($0 * 255).rounded()) / 255 - means[$1]) }
        var x = first(xs, .relu)
        for (a, b) in blocks { x = add(b(a(x, .relu)), x) }
        for conv in upConvs { x = conv(resizeNearest(x, height: 2 * x.nchw.h, width: 2 * x.nchw.w), .relu) }
        let est = last(penultimate(x, .relu))
        let base = tfLegacyBicubicResize(xs, height: 4 * h, width: 4 * w).mapChannels { $0 + Float(means[$1]) }
        return add(est, base)
    }
}
