import SISREngine
/// Hyperparameters of NLSN (the official `src/model/nlsn.py` options, snake_case in JSON), plus the seed
/// of the LSH rotations. Defaults are the official/pretrained configuration (README, `demo.sh`).
public struct NLSNConfig: ArchitectureConfig {
    /// Upscaling factor (2, 3, 4 or 8).
    public var scale: Int
    public var nResblocks: Int
    public var nFeats: Int
    public var resScale: Double
    public var chunkSize: Int
    public var nHashes: Int
    /// `conv_match` maps `n_feats` to `n_feats / reduction` channels (hard-coded 4 upstream).
    public var reduction: Int
    /// 1 for the official models (input in [0, 1]); the MeanShift convs carry the scaled mean.
    public var rgbRange: Double
    /// Seed of the hash rotations (see ``NLSNRotations``), recorded so outputs are reproducible.
    public var hashSeed: UInt64

    /// The official x2 configuration.
    public init() { self.init(scale: 2) }

    public init(
        scale: Int = 2, nResblocks: Int = 32, nFeats: Int = 256, resScale: Double = 0.1, chunkSize: Int = 144,
        nHashes: Int = 4, reduction: Int = 4, rgbRange: Double = 1, hashSeed: UInt64 = 0
    ) {
        self.scale = scale
        self.nResblocks = nResblocks
        self.nFeats = nFeats
        self.resScale = resScale
        self.chunkSize = chunkSize
        self.nHashes = nHashes
        self.reduction = reduction
        self.rgbRange = rgbRange
        self.hashSeed = hashSeed
    }

    enum CodingKeys: String, CodingKey {
        case scale, reduction
        case nResblocks = "n_resblocks", nFeats = "n_feats", resScale = "res_scale", chunkSize = "chunk_size"
        case nHashes = "n_hashes", rgbRange = "rgb_range", hashSeed = "hash_seed"
    }

    /// Missing keys take the defaults above.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = NLSNConfig(scale: 2)
        scale = try c.decodeIfPresent(Int.self, forKey: .scale) ?? d.scale
        nResblocks = try c.decodeIfPresent(Int.self, forKey: .nResblocks) ?? d.nResblocks
        nFeats = try c.decodeIfPresent(Int.self, forKey: .nFeats) ?? d.nFeats
        resScale = try c.decodeIfPresent(Double.self, forKey: .resScale) ?? d.resScale
        chunkSize = try c.decodeIfPresent(Int.self, forKey: .chunkSize) ?? d.chunkSize
        nHashes = try c.decodeIfPresent(Int.self, forKey: .nHashes) ?? d.nHashes
        reduction = try c.decodeIfPresent(Int.self, forKey: .reduction) ?? d.reduction
        rgbRange = try c.decodeIfPresent(Double.self, forKey: .rgbRange) ?? d.rgbRange
        hashSeed = try c.decodeIfPresent(UInt64.self, forKey: .hashSeed) ?? d.hashSeed
    }

    /// Throws ``ModelError/invalidConfig(_:)`` naming the first inconsistent value.
    public func validate() throws {
        func fail(_ m: String) -> ModelError { .invalidConfig("nlsn: " + m) }
        guard [2, 3, 4, 8].contains(scale) else { throw fail("scale must be 2, 3, 4 or 8, not \(scale)") }
        guard nResblocks >= 0, nFeats > 0, chunkSize > 0, nHashes > 0, reduction > 0 else {
            throw fail("n_resblocks, n_feats, chunk_size, n_hashes and reduction must be positive")
        }
        guard nFeats % reduction == 0 else { throw fail("n_feats \(nFeats) not divisible by reduction \(reduction)") }
    }
}

extension NLSNConfig {
    public var upscaleFactor: Int {
        get { scale }
        set { scale = newValue }
    }

    public static let inferredKeys = ["n_feats", "n_resblocks", "reduction", "scale"]

    /// n_feats (`head.0`), reduction (`body.0.conv_match.0`), n_resblocks (the `body.<i>.body.0`
    /// residual blocks) and scale (`tail.0`). chunk_size, n_hashes, res_scale, rgb_range and hash_seed
    /// are not visible in the weights.
    public func inferred(from ck: CheckpointShapes) throws -> NLSNConfig {
        var c = self
        c.nFeats = try ck.shape("head.0.weight", rank: 4)[0]
        let match = try ck.shape("body.0.conv_match.0.weight", rank: 4)[0]
        c.reduction = try ck.positive(match > 0 && c.nFeats % match == 0 ? c.nFeats / match : 0, "reduction")
        var blocks = 0, i = 0
        while ck.dict["body.\(i).weight"] == nil && i < 100_000 {
            if ck.dict["body.\(i).body.0.weight"] != nil { blocks += 1 }
            i += 1
        }
        c.nResblocks = blocks
        c.scale = try ck.upsamplerScale("tail.0", features: c.nFeats)
        return c
    }

    public func makeNetwork(_ weights: WeightScope) -> any SRNetwork { NLSN(validated: self, weights: weights) }
}
