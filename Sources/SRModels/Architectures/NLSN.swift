import SISRCore
import SISREngine

/// NLSN (Mei et al. 2021, "Image Super-Resolution with Non-Local Sparse Attention"), with the key names
/// of the official `src/model/nlsn.py`: `sub_mean`, `head.0`, `body.<i>` (attention at 0 and after every
/// 8th residual block, a final 3x3 conv last), `tail.0.<2k>` (sub-pixel upsampler), `tail.1`, `add_mean`.
///
/// Input and output are `[1, 3, H, W]` scaled to `[0, rgb_range]`. The LSH rotations come from
/// ``NLSNConfig/hashSeed`` (see ``NLSNRotations``), so the output is a deterministic function of the
/// input; the reference draws fresh rotations on every call. Inputs with fewer than `chunk_size` pixels
/// (which the reference cannot process) are handled as described in ``LSHAttention``.
public struct NLSN: SRNetwork {
    public let config: NLSNConfig
    let means: MeanShiftPair
    let head: Conv2d
    let body: [Module]
    let tailUpsample: Upsampler
    let tailConv: Conv2d

    enum Module: Sendable {
        case attention(NonLocalSparseAttention)
        case residual(conv1: Conv2d, conv2: Conv2d)
        case conv(Conv2d)
    }

    /// Builds the network, reading every parameter from `scope`.
    public init(config: NLSNConfig, weights scope: WeightScope) throws {
        try config.validate()
        self.init(validated: config, weights: scope)
    }

    /// Builds the network from a configuration that ``NLSNConfig/validate()`` accepted. The mean
    /// shifts are the checkpoint's `sub_mean` / `add_mean` 1x1 convs when present, else the fixed
    /// `rgb_range * DIV2K mean`.
    init(validated config: NLSNConfig, weights scope: WeightScope) {
        self.config = config
        let f = config.nFeats
        means = MeanShiftPair(scope, mean: DIV2K.rgbMean, range: Float(config.rgbRange))
        head = Conv2d(scope["head"][0], in: 3, out: f, kernel: 3)
        var modules: [Module] = []
        func attention() {
            modules.append(.attention(NonLocalSparseAttention(scope["body"][modules.count], config: config,
                                                              bodyIndex: modules.count)))
        }
        attention()
        for b in 0..<config.nResblocks {
            let s = scope["body"][modules.count]["body"]
            modules.append(.residual(conv1: Conv2d(s[0], in: f, out: f, kernel: 3), conv2: Conv2d(s[2], in: f, out: f, kernel: 3)))
            if (b + 1) % 8 == 0 { attention() }
        }
        modules.append(.conv(Conv2d(scope["body"][modules.count], in: f, out: f, kernel: 3)))
        body = modules
        tailUpsample = Upsampler(scope["tail"][0], features: f, scale: config.scale)
        tailConv = Conv2d(scope["tail"][1], in: f, out: 3, kernel: 3)
    }

    public var scale: Int { config.scale }

    /// Super-resolves `[1, 3, H, W]` (values in [0, 1]) to `[1, 3, H*s, W*s]`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let (n, ch, _, _) = input.nchw
        precondition(n == 1 && ch == 3, "nlsn: expected a [1, 3, H, W] input, got \(input.shape)")
        let x = head(means.sub(input))
        var r = x
        let scale = Float(config.resScale)
        for module in body {
            switch module {
            case let .attention(a): r = a(r)
            case let .residual(conv1, conv2): r = add(r, conv2(conv1(r, .relu)), scaledBy: scale)
            case let .conv(c): r = c(r)
            }
        }
        return means.add(tailConv(tailUpsample(add(r, x))))
    }
}

/// One NLSA module: `conv_match.0` (3x3 C -> C/reduction) and `conv_assembly.0` (1x1 C -> C), then
/// ``LSHAttention``; output `attention * res_scale + x`.
struct NonLocalSparseAttention: Sendable {
    let convMatch: Conv2d, convAssembly: Conv2d
    let attention: LSHAttention
    let resScale: Float, seed: UInt64, bodyIndex: Int

    init(_ scope: WeightScope, config: NLSNConfig, bodyIndex: Int) {
        let f = config.nFeats
        convMatch = Conv2d(scope["conv_match"][0], in: f, out: f / config.reduction, kernel: 3)
        convAssembly = Conv2d(scope["conv_assembly"][0], in: f, out: f, kernel: 1)
        attention = LSHAttention(chunk: config.chunkSize, hashes: config.nHashes)
        resScale = Float(config.resScale)
        seed = config.hashSeed
        self.bodyIndex = bodyIndex
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let (_, c, h, w) = x.nchw
        let cm = convMatch.outChannels
        let nb = LSHAttention.buckets(tokens: h * w, chunk: attention.chunk)
        let rot = NLSNRotations.make(seed: seed, bodyIndex: bodyIndex, channels: cm, hashes: attention.hashes, buckets: nb)
        let y = attention(match: TokenLayout.tokens(convMatch(x)), matchChannels: cm,
                          assembly: TokenLayout.tokens(convAssembly(x)), channels: c, rotations: rot, buckets: nb)
        return add(x, TokenLayout.image(y, channels: c, height: h, width: w), scaledBy: resScale)
    }
}
