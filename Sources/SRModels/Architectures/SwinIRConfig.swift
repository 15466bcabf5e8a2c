import SISREngine
/// Hyperparameters of SwinIR, with the keys and defaults of BasicSR's `SwinIR(...)` constructor
/// (snake_case in JSON), plus `num_feat` (fixed 64 upstream) and the inference `padding` rule.
///
/// The defaults are the classical-SR configuration of the paper era (`001_classicalSR_*`, BasicSR
/// `train_SwinIR_SRx*_scratch.yml`): embed 180, 6 RSTBs of 6 blocks, 6 heads, window 8, MLP ratio 2,
/// pixel-shuffle upsampler.
public struct SwinIRConfig: ArchitectureConfig {
    /// The upscaling factor (2, 3, 4 or 8; `nearest+conv` supports 2 and 4).
    public var upscale: Int
    /// Training patch size. Only decides the shift: blocks use no shift and a window of `img_size`
    /// when `img_size <= window_size`. Any inference size works.
    public var imgSize: Int
    public var windowSize: Int
    public var embedDim: Int
    /// Blocks per residual Swin transformer block (RSTB).
    public var depths: [Int]
    /// Attention heads per RSTB.
    public var numHeads: [Int]
    public var mlpRatio: Double
    /// `pixelshuffle` (classical SR) or `nearest+conv` (real-world SR).
    public var upsampler: String
    /// `1conv` or `3conv`.
    public var resiConnection: String
    /// Channels of the reconstruction head (64 in all published models).
    public var numFeat: Int
    public var imgRange: Double
    /// How the input is padded to a multiple of the window (the output is cropped back).
    public var padding: WindowPadding

    /// The classical x2 configuration.
    public init() { self.init(upscale: 2) }

    public init(
        upscale: Int = 2, imgSize: Int = 48, windowSize: Int = 8, embedDim: Int = 180,
        depths: [Int] = [6, 6, 6, 6, 6, 6], numHeads: [Int] = [6, 6, 6, 6, 6, 6], mlpRatio: Double = 2,
        upsampler: String = "pixelshuffle", resiConnection: String = "1conv", numFeat: Int = 64,
        imgRange: Double = 1, padding: WindowPadding = .reflect
    ) {
        self.upscale = upscale
        self.imgSize = imgSize
        self.windowSize = windowSize
        self.embedDim = embedDim
        self.depths = depths
        self.numHeads = numHeads
        self.mlpRatio = mlpRatio
        self.upsampler = upsampler
        self.resiConnection = resiConnection
        self.numFeat = numFeat
        self.imgRange = imgRange
        self.padding = padding
    }

    /// The official real-world GAN x4 model (`003_realSR_BSRGAN_DFO_s64w8_SwinIR-M_x4_GAN.pth`):
    /// classical body, img_size 64, `nearest+conv`, symmetric (official script) padding.
    public static let realWorldGANx4 = SwinIRConfig(
        upscale: 4, imgSize: 64, upsampler: "nearest+conv", padding: .symmetric)

    enum CodingKeys: String, CodingKey {
        case upscale, depths, upsampler, padding
        case imgSize = "img_size", windowSize = "window_size", embedDim = "embed_dim"
        case numHeads = "num_heads", mlpRatio = "mlp_ratio", resiConnection = "resi_connection"
        case numFeat = "num_feat", imgRange = "img_range"
    }

    /// Missing keys take the defaults above.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SwinIRConfig(upscale: 2)
        upscale = try c.decodeIfPresent(Int.self, forKey: .upscale) ?? d.upscale
        imgSize = try c.decodeIfPresent(Int.self, forKey: .imgSize) ?? d.imgSize
        windowSize = try c.decodeIfPresent(Int.self, forKey: .windowSize) ?? d.windowSize
        embedDim = try c.decodeIfPresent(Int.self, forKey: .embedDim) ?? d.embedDim
        depths = try c.decodeIfPresent([Int].self, forKey: .depths) ?? d.depths
        numHeads = try c.decodeIfPresent([Int].self, forKey: .numHeads) ?? d.numHeads
        mlpRatio = try c.decodeIfPresent(Double.self, forKey: .mlpRatio) ?? d.mlpRatio
        upsampler = try c.decodeIfPresent(String.self, forKey: .upsampler) ?? d.upsampler
        resiConnection = try c.decodeIfPresent(String.self, forKey: .resiConnection) ?? d.resiConnection
        numFeat = try c.decodeIfPresent(Int.self, forKey: .numFeat) ?? d.numFeat
        imgRange = try c.decodeIfPresent(Double.self, forKey: .imgRange) ?? d.imgRange
        padding = try c.decodeIfPresent(WindowPadding.self, forKey: .padding) ?? d.padding
    }

    /// Throws ``ModelError/invalidConfig(_:)`` naming the first inconsistent value.
    public func validate() throws {
        func fail(_ m: String) -> ModelError { .invalidConfig("swinir: " + m) }
        guard embedDim > 0, windowSize > 0, imgSize > 0, numFeat > 0, mlpRatio > 0 else {
            throw fail("embed_dim, window_size, img_size, num_feat and mlp_ratio must be positive")
        }
        guard !depths.isEmpty, depths.count == numHeads.count, depths.allSatisfy({ $0 > 0 }) else {
            throw fail("depths \(depths) and num_heads \(numHeads) must be non-empty lists of equal length")
        }
        for h in numHeads where h <= 0 || embedDim % h != 0 {
            throw fail("embed_dim \(embedDim) is not divisible by \(h) heads")
        }
        switch upsampler {
        case "pixelshuffle":
            guard [2, 3, 4, 8].contains(upscale) else { throw fail("pixelshuffle supports upscale 2, 3, 4, 8, not \(upscale)") }
        case "nearest+conv":
            guard [2, 4].contains(upscale) else { throw fail("nearest+conv supports upscale 2 and 4, not \(upscale)") }
        default:
            throw fail("unsupported upsampler '\(upsampler)' (pixelshuffle, nearest+conv)")
        }
        guard ["1conv", "3conv"].contains(resiConnection) else {
            throw fail("unsupported resi_connection '\(resiConnection)' (1conv, 3conv)")
        }
        if resiConnection == "3conv" && embedDim % 4 != 0 { throw fail("3conv needs embed_dim divisible by 4") }
    }

    /// The window and shift a block actually uses (BasicSR: no shift and a window of `img_size` when
    /// `img_size <= window_size`).
    var effectiveWindow: (window: Int, shift: Int) {
        imgSize <= windowSize ? (imgSize, 0) : (windowSize, windowSize / 2)
    }
}

extension SwinIRConfig {
    public var upscaleFactor: Int {
        get { upscale }
        set { upscale = newValue }
    }

    public static let inferredKeys = [
        "embed_dim", "depths", "num_heads", "window_size", "mlp_ratio", "upsampler", "resi_connection",
        "num_feat", "upscale", "img_size",
    ]

    /// Sizes from the tensor shapes: embed_dim (`conv_first`), depths (blocks per `layers.i`), num_heads
    /// and window_size (bias tables), mlp_ratio (`fc1`), resi_connection, num_feat, upsampler and
    /// upscale, and img_size from a stored `attn_mask` (`[(img/M)^2, M^2, M^2]`) when there is one.
    public func inferred(from ck: CheckpointShapes) throws -> SwinIRConfig {
        var c = self
        c.embedDim = try ck.shape("conv_first.weight", rank: 4)[0]
        let layers = ck.count("layers.", ".residual_group.blocks.0.norm1.weight")
        c.depths = try (0..<layers).map { try ck.positive(ck.count("layers.\($0).residual_group.blocks.", ".norm1.weight"), "depths") }
        _ = try ck.positive(layers, "the number of residual Swin blocks")
        let block0 = "layers.0.residual_group.blocks.0."
        c.numHeads = try (0..<layers).map {
            try ck.shape("layers.\($0).residual_group.blocks.0.attn.relative_position_bias_table", rank: 2)[1]
        }
        let side = Int(Double(try ck.shape(block0 + "attn.relative_position_bias_table")[0]).squareRoot().rounded())
        c.windowSize = (side + 1) / 2
        c.mlpRatio = Double(try ck.shape(block0 + "mlp.fc1.weight")[0]) / Double(c.embedDim)
        c.resiConnection = ck.dict["layers.0.conv.0.weight"] != nil ? "3conv" : "1conv"
        c.numFeat = try ck.shape("conv_before_upsample.0.weight", rank: 4)[0]
        if ck.dict["conv_up1.weight"] != nil {
            c.upsampler = "nearest+conv"
            c.upscale = ck.dict["conv_up2.weight"] != nil ? 4 : 2
        } else {
            c.upsampler = "pixelshuffle"
            c.upscale = try ck.upsamplerScale("upsample", features: c.numFeat)
        }
        if let mask = ck.dict["layers.0.residual_group.blocks.1.attn_mask"], mask.rank == 3 {
            let perSide = Int(Double(mask.shape[0]).squareRoot().rounded())
            c.imgSize = perSide * c.windowSize
        }
        return c
    }

    public func makeNetwork(_ weights: WeightScope) -> any SRNetwork { SwinIR(validated: self, weights: weights) }
}
