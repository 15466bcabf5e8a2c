import SISRCore
import SISREngine

/// SwinIR (Liang et al. 2021) for classical (`pixelshuffle`) and real-world (`nearest+conv`) SR, with
/// the key names of BasicSR's `swinir_arch.py` / the official `network_swinir.py`.
///
/// Input and output are `[1, 3, H, W]` RGB in [0, 1] (unclamped output). The input is padded to a
/// multiple of the window by ``SwinIRConfig/padding`` and the output cropped to `H*s x W*s`; the shift
/// masks are computed for the padded size. The stored `attn_mask` / `relative_position_index` buffers
/// are accepted and ignored (both are recomputed).
public struct SwinIR: SRNetwork {
    public let config: SwinIRConfig
    let convFirst: Conv2d
    let patchNorm: LayerNorm
    let layers: [RSTB]
    let norm: LayerNorm
    let convAfterBody: ResidualConnection
    let convBeforeUpsample: Conv2d
    let upsample: Upsampler?
    let convUp: [Conv2d]
    let convHR: Conv2d?
    let convLast: Conv2d

    /// Builds the network, reading every parameter from `scope` (throws if the config is invalid;
    /// key problems are collected by the scope's store, see ``WeightStore/finish(strict:)``).
    public init(config: SwinIRConfig, weights scope: WeightScope) throws {
        try config.validate()
        self.init(validated: config, weights: scope)
    }

    /// Builds the network from a configuration that ``SwinIRConfig/validate()`` accepted.
    init(validated config: SwinIRConfig, weights scope: WeightScope) {
        self.config = config
        let c = config.embedDim, f = config.numFeat
        convFirst = Conv2d(scope["conv_first"], in: 3, out: c, kernel: 3)
        patchNorm = LayerNorm(scope["patch_embed"]["norm"], features: c)
        layers = zip(config.depths, config.numHeads).enumerated().map { i, dh in
            RSTB(scope["layers"][i], config: config, depth: dh.0, heads: dh.1)
        }
        norm = LayerNorm(scope["norm"], features: c)
        convAfterBody = ResidualConnection(scope["conv_after_body"], kind: config.resiConnection, dim: c)
        convBeforeUpsample = Conv2d(scope["conv_before_upsample"][0], in: c, out: f, kernel: 3)
        if config.upsampler == "pixelshuffle" {
            upsample = Upsampler(scope["upsample"], features: f, scale: config.upscale)
            convUp = []
            convHR = nil
        } else {
            upsample = nil
            convUp = (1...(config.upscale == 4 ? 2 : 1)).map { Conv2d(scope["conv_up\($0)"], in: f, out: f, kernel: 3) }
            convHR = Conv2d(scope["conv_hr"], in: f, out: f, kernel: 3)
        }
        convLast = Conv2d(scope["conv_last"], in: f, out: 3, kernel: 3)
    }

    public var scale: Int { config.upscale }

    /// Super-resolves `[1, 3, H, W]` (values in [0, 1]) to `[1, 3, H*s, W*s]`: pad, run, crop.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let (n, ch, h, w) = input.nchw
        precondition(n == 1 && ch == 3, "swinir: expected a [1, 3, H, W] input, got \(input.shape)")
        let y = forwardPadded(config.padding.pad(input, window: config.windowSize))
        return cropTopLeft(y, height: h * scale, width: w * scale)
    }

    /// The network proper on an input whose sides are multiples of the window (`SwinIR.forward`).
    func forwardPadded(_ x: Tensor) -> Tensor {
        let (_, _, h, w) = x.nchw
        let c = config.embedDim, range = Float(config.imgRange)
        let shifted = addChannelConstants(x, DIV2K.rgbMean.map { -$0 }, scale: range)
        let f = convFirst(shifted)
        var t = TokenLayout.tokens(f)
        patchNorm.apply(&t)
        for layer in layers { layer(&t, height: h, width: w) }
        norm.apply(&t)
        let deep = TokenLayout.image(t, channels: c, height: h, width: w)
        t = []
        let body = add(convAfterBody(deep), f)
        var y = convBeforeUpsample(body, .leakyReLU(0.01))
        if let upsample {
            y = convLast(upsample(y))
        } else {
            for conv in convUp { y = conv(upsampleNearest2x(y), .leakyReLU(0.2)) }
            y = convLast(convHR!(y, .leakyReLU(0.2)))
        }
        return addChannelConstants(y, DIV2K.rgbMean, scale: 1 / range, addAfterScale: true)
    }
}

/// `(x + k[c]) * scale` per channel, or `x * scale + k[c]` when `addAfterScale`.
func addChannelConstants(_ x: Tensor, _ k: [Float], scale: Float, addAfterScale: Bool = false) -> Tensor {
    let (n, c, h, w) = x.nchw
    let hw = h * w
    return Tensor.filled(shape: x.shape) { out in
        x.data.withUnsafeBufferPointer { src in
            for b in 0..<n {
                for ch in 0..<c {
                    let base = (b * c + ch) * hw, kc = k[ch % k.count]
                    if addAfterScale {
                        for i in 0..<hw { out[base + i] = src[base + i] * scale + kc }
                    } else if scale == 1 {
                        for i in 0..<hw { out[base + i] = src[base + i] + kc }
                    } else {
                        for i in 0..<hw { out[base + i] = (src[base + i] + kc) * scale }
                    }
                }
            }
        }
    }
}
