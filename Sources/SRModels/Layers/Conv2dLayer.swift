import SISREngine
/// A PyTorch `nn.Conv2d` with stride 1 and "same" zero padding `kernel / 2`, weights read from a scope
/// as `weight` `[out, in, k, k]` and `bias` `[out]`.
public struct Conv2d: Sendable {
    public let weight: Tensor
    public let bias: Tensor?
    public let padding: Int
    /// The Winograd transform of `weight`, made on first use (shared by copies of the layer).
    let cache = ConvWeightCache()

    public init(_ scope: WeightScope, in cin: Int, out cout: Int, kernel: Int, bias: Bool = true) {
        let fanIn = cin * kernel * kernel
        weight = scope.tensor("weight", shape: [cout, cin, kernel, kernel], fanIn: fanIn)
        self.bias = bias ? scope.tensor("bias", shape: [cout], fanIn: fanIn) : nil
        padding = kernel / 2
    }

    public var inChannels: Int { weight.shape[1] }
    public var outChannels: Int { weight.shape[0] }

    /// The convolution followed by `activation`.
    public func callAsFunction(_ x: Tensor, _ activation: Activation = .identity) -> Tensor {
        conv2d(x, weight: weight, bias: bias, padding: padding, activation: activation, cache: cache)
    }

    /// The convolution of the first `inputChannels` channels of `stack`, written into its channels
    /// from `outputOffset` (``SISREngine/conv2d(stack:inputChannels:outputOffset:weight:bias:padding:activation:cache:)``).
    public func callAsFunction(stack: inout Tensor, inputChannels: Int, outputOffset: Int, _ activation: Activation = .identity) {
        conv2d(stack: &stack, inputChannels: inputChannels, outputOffset: outputOffset, weight: weight, bias: bias,
               padding: padding, activation: activation, cache: cache)
    }
}

/// BasicSR `ResidualBlockNoBN`: `x + res_scale * conv2(relu(conv1(x)))`, keys `conv1`, `conv2`.
public struct ResidualBlockNoBN: Sendable {
    let conv1: Conv2d, conv2: Conv2d
    let resScale: Float

    public init(_ scope: WeightScope, features: Int, resScale: Float) {
        conv1 = Conv2d(scope["conv1"], in: features, out: features, kernel: 3)
        conv2 = Conv2d(scope["conv2"], in: features, out: features, kernel: 3)
        self.resScale = resScale
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        add(x, conv2(conv1(x, .relu)), scaledBy: resScale)
    }
}

/// The sub-pixel upsampler of EDSR, RCAN and RDN: for a power-of-two scale, `log2(scale)` steps of
/// (conv 3x3 F -> 4F, PixelShuffle 2); for scale 3, one conv F -> 9F and PixelShuffle 3. The convs
/// sit at even indices `0, 2, ...` of the scope (the shuffles are the odd, parameter-free entries).
public struct Upsampler: Sendable {
    let steps: [(conv: Conv2d, factor: Int)]

    public init(_ scope: WeightScope, features: Int, scale: Int, outFeatures: Int? = nil) {
        let factors = Upsampler.factors(scale)
        var steps: [(Conv2d, Int)] = []
        var cin = features
        for (i, f) in factors.enumerated() {
            let cout = outFeatures ?? features
            steps.append((Conv2d(scope[2 * i], in: cin, out: cout * f * f, kernel: 3), f))
            cin = cout
        }
        self.steps = steps
    }

    /// Shuffle factors for a supported scale: `[2, 2]` for 4, `[3]` for 3, `[]` for 1.
    public static func factors(_ scale: Int) -> [Int] {
        if scale == 3 { return [3] }
        var f: [Int] = [], s = scale
        while s > 1 { f.append(2); s /= 2 }
        return f
    }

    /// Whether the sub-pixel upsampler supports `scale` (1, 3, or a power of two).
    public static func supports(_ scale: Int) -> Bool {
        scale == 3 || (scale >= 1 && scale & (scale - 1) == 0)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        steps.reduce(x) { pixelShuffle($1.conv($0), $1.factor) }
    }
}
