/// BM3D image denoising (Dabov, Foi, Katkovnik, Egiazarian, IEEE TIP 2007), with the default
/// ('np') profile of the `bm3d` PyPI package (Mäkinen, Azzari, Foi 2020), which the paper's PRNU
/// baseline called as `bm3d.bm3d(image, 5)`.
///
/// Two stages, both with 8x8 blocks on a reference grid of step 3:
/// 1. **Hard thresholding.** For each reference block, up to 16 similar blocks within a 39x39
///    window are grouped (distance: squared difference of their 2-D biorthogonal-1.5 transforms,
///    below `tauMatchHT` scaled by the image's value range). The group goes through the 2-D bior1.5
///    transform and a Haar transform along the group; coefficients whose magnitude is at most
///    `lambdaHT` times their exact noise standard deviation are zeroed; the inverse transforms give
///    block estimates that are aggregated with a Kaiser window and weight n / (sum of the retained
///    coefficients' noise variances), n the number of blocks in the group.
/// 2. **Wiener filtering.** Groups of up to 32 blocks are matched on the basic estimate (plain
///    squared distance), both the noisy and the basic group go through the 2-D DCT and the Haar
///    transform, and the noisy spectrum is shrunk by `B^2 / (B^2 + mu2 * sigma^2)`. Aggregation
///    uses the Kaiser window and weight n / (sigma^2 * sum of the squared shrinkage factors). (The
///    factor n, absent from the 2007 paper, is what reproduces the package's output: it lifts the
///    agreement of the Wiener stage from 43 to 49 dB on the sigma-20 fixture.)
///
/// Memory: about 256 bytes per pixel while matching (the transformed 8x8 block at every position of
/// channel 0). Reference blocks are filtered in parallel and aggregated in a fixed order, so the
/// output does not depend on the number of threads.
///
/// Groups hold a power-of-two number of blocks (at least two). On a multichannel image the
/// matching is done on channel 0 only and reused for the other channels, exactly as the package does
/// for `bm3d.bm3d(rgb_image, sigma)`; each channel is otherwise filtered on its own.
///
/// Differences from the package that remain (it is closed source; see the fixtures test for the
/// measured agreement): its hard-thresholding block matching uses a slightly different distance
/// (same groups for most references, but different members or order for the rest; the order matters
/// because the Haar transform pairs neighbours in the group).
public struct BM3D: Denoiser {
    /// Algorithm parameters. ``Profile/np`` is the package default.
    public struct Profile: Sendable, Equatable {
        /// Step between reference blocks, hard-thresholding and Wiener stages.
        public var stepHT = 3, stepWiener = 3
        /// Maximum blocks per group.
        public var maxGroupHT = 16, maxGroupWiener = 32
        /// Half side of the block-matching search window (19 gives a 39x39 window).
        public var searchHalfHT = 19, searchHalfWiener = 19
        /// Block-distance thresholds: mean squared difference per pixel for an image whose values
        /// span 0...255. The threshold scales with the square of the image's actual value range.
        public var tauMatchHT = 3000.0, tauMatchWiener = 400.0
        /// Hard threshold in units of the coefficient's noise standard deviation.
        public var lambdaHT = 3.0
        /// Wiener regularisation factor on the noise variance.
        public var mu2 = 0.4
        /// Kaiser window shape for aggregation.
        public var betaHT = 2.0, betaWiener = 2.0
        /// Row offsets of the reference grid, cycled over grid columns (the package staggers the
        /// reference rows by 0, 1, 2 pixels for 8x8 blocks and step 3).
        public var referenceShifts = [0, 1, 2]

        public init() {}

        /// The `bm3d` package's default profile ('np') for white noise.
        public static let np = Profile()
    }

    /// How a three-channel image is filtered.
    public enum ColorMode: String, Sendable, CaseIterable {
        /// Each channel in its own values, block matching on channel 0: `bm3d.bm3d(rgb, sigma)`, the
        /// paper's PRNU call.
        case perChannel
        /// The package's `bm3d_rgb(rgb, sigma)` (colorspace 'opp'): opponent colour transform
        /// (luminance, two chrominances), each transformed channel rescaled to [0, 1] with its noise
        /// level scaled alike, matching on luminance, then back. Other channel counts use ``perChannel``.
        case opponent
    }

    /// Noise standard deviation on the 0-255 scale.
    public var sigma: Double
    public var profile: Profile
    public var colorMode: ColorMode

    public init(sigma: Double = 5, profile: Profile = .np, colorMode: ColorMode = .perChannel) {
        precondition(sigma > 0, "BM3D: sigma must be positive")
        self.sigma = sigma
        self.profile = profile
        self.colorMode = colorMode
    }

    public var name: String { colorMode == .perChannel ? "bm3d(sigma=\(sigma))" : "bm3d-opp(sigma=\(sigma))" }

    /// Both stages. Images smaller than 8x8 are returned unchanged.
    public func denoise(_ image: PlanarImage) -> PlanarImage {
        run(image) { engine in engine.wiener(basic: engine.hardThresholding()) }
    }

    /// The first stage only (the "basic estimate").
    public func basicEstimate(_ image: PlanarImage) -> PlanarImage {
        run(image) { engine in engine.hardThresholding() }
    }

    private func run(_ image: PlanarImage, _ stages: (BM3DEngine) -> PlanarImage) -> PlanarImage {
        guard image.width >= BM3DEngine.block, image.height >= BM3DEngine.block else { return image }
        if colorMode == .opponent && image.channels == 3 {
            let (opp, ranges) = OpponentColor.forward(image, sigma: sigma)
            let sigmas = ranges.map { Float($0.sigma) }
            return OpponentColor.inverse(stages(BM3DEngine(image: opp, sigmas: sigmas, profile: profile)), ranges)
        }
        let sigmas = [Float](repeating: Float(sigma), count: image.channels)
        return stages(BM3DEngine(image: image, sigmas: sigmas, profile: profile))
    }
}
