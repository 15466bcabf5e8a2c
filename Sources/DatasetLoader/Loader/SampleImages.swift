import Foundation
import SISRCore

/// Whole decoded images of a release's samples, for code that needs full frames rather than batches
/// (baselines, inspection). Reads exactly as the batch loader does (``SampleReader``: the index's
/// offsets checked, the tar member's name checked against the key, the decoded size against the
/// index): formats 2 and 3 one sample's zstd frames at a time (its SHA-256 checked with `verify`), format 1
/// from whole decompressed shards kept in a cache.
///
/// ```swift
/// let release = try Release.open(url)
/// let images = SampleImages(release: release)
/// let selection = try ProtocolSelection(release: release, protocol: proto, split: "test")
/// for sample in selection.samples { let rgb = try images.image(of: sample) ... }
/// ```
public final class SampleImages: Sendable {
    let store: ShardStore
    let shards: [ShardInfo]
    let streams: Bool
    let verify: Bool
    let perturbation: PerturbationSpec?

    /// - Parameters:
    ///   - cacheBytes: memory for decompressed shards of a format-1 release (one shard is always kept).
    ///   - verify: check each shard's (format 1) or sample's frames' (formats 2 and 3) SHA-256 against the
    ///     release before use.
    ///   - perturbation: applied to the images of the splits it names (a protocol's `perturbation`).
    public init(release: Release, cacheBytes: Int = 2 << 30, verify: Bool = true, perturbation: PerturbationSpec? = nil) {
        self.perturbation = perturbation
        shards = release.manifest.shards.enumerated().map { i, s in
            ShardInfo(path: s.path, url: release.shardURL(i), sha256: s.sha256, tarBytes: s.tarBytes, tarSHA256: s.tarSHA256,
                      bandRows: release.manifest.zstd.frames == .perBand ? release.manifest.png.bandRows : nil)
        }
        store = ShardStore(shards: shards, budget: cacheBytes, verify: verify)
        streams = release.manifest.zstd.frames.perSampleRegions
        self.verify = verify
    }

    /// The decoded RGB8 image of `sample` (perturbed when the split is one the perturbation names).
    /// - Throws: ``LoaderError`` naming the shard and the sample.
    public func image(of sample: SampleRecord) throws -> RGBImage {
        guard shards.indices.contains(sample.shard) else {
            throw LoaderError.argument("sample \(sample.key) names shard \(sample.shard), the release has \(shards.count)")
        }
        return try SampleReader.image(SampleRef(sample, classId: 0), shard: shards[sample.shard], store: store,
                                      frames: streams ? FrameReader() : nil, verify: verify,
                                      perturbation: perturbation.flatMap { $0.applies(to: sample.split) ? $0 : nil })
    }
}

extension SampleRef {
    /// Where the index puts `sample`, with class id `classId`.
    init(_ s: SampleRecord, classId: Int) {
        self.init(key: s.key, shard: s.shard, pngOffset: s.pngOffset, pngSize: s.pngSize, width: s.width, height: s.height,
                  classId: Int32(classId), frameOffset: s.frameOffset, frameSize: s.frameSize, frameSHA256: s.frameSHA256)
    }

    /// The same place with class id `classId`.
    func with(classId: Int) -> SampleRef {
        SampleRef(key: key, shard: shard, pngOffset: pngOffset, pngSize: pngSize, width: width, height: height,
                  classId: Int32(classId), frameOffset: frameOffset, frameSize: frameSize, frameSHA256: frameSHA256)
    }
}
