import Foundation
import SISRCore

/// Whole decoded images of a release's samples, for code that needs full frames rather than batches
/// (baselines, inspection). Shards are decompressed once and cached like the batch loader does.
///
/// ```swift
/// let release = try Release.open(url)
/// let images = SampleImages(release: release)
/// let selection = try ProtocolSelection(release: release, protocol: proto, split: "test")
/// for sample in selection.samples { let rgb = try images.image(of: sample) ... }
/// ```
public final class SampleImages: Sendable {
    let store: ShardStore
    let paths: [String]
    let perturbation: PerturbationSpec?

    /// - Parameters:
    ///   - cacheBytes: memory for decompressed shards (one shard is always kept).
    ///   - verify: check each shard's SHA-256 against the manifest before use.
    ///   - perturbation: applied to the images of the splits it names (a protocol's `perturbation`).
    public init(release: Release, cacheBytes: Int = 2 << 30, verify: Bool = true, perturbation: PerturbationSpec? = nil) {
        self.perturbation = perturbation
        let shards = release.manifest.shards.enumerated().map { i, s in
            ShardInfo(path: s.path, url: release.shardURL(i), sha256: s.sha256, tarBytes: s.tarBytes, tarSHA256: s.tarSHA256)
        }
        store = ShardStore(shards: shards, budget: cacheBytes, verify: verify)
        paths = shards.map(\.path)
    }

    /// The decoded RGB8 image of `sample` (perturbed when the split is one the perturbation names).
    /// - Throws: ``LoaderError`` naming the shard and the sample.
    public func image(of sample: SampleRecord) throws -> RGBImage {
        guard paths.indices.contains(sample.shard) else {
            throw LoaderError.argument("sample \(sample.key) names shard \(sample.shard), the release has \(paths.count)")
        }
        let tar = try store.tar(sample.shard)
        func fail(_ problem: String) -> LoaderError { .sample(shard: paths[sample.shard], key: sample.key, problem: problem) }
        guard let r = sample.pngRange(inTarOf: tar.bytes.count) else {
            throw fail("PNG member (\(sample.pngSize) bytes at \(sample.pngOffset)) lies outside the \(tar.bytes.count)-byte tar (truncated shard?)")
        }
        let image: RGBImage
        do { image = try PNG.decode(Array(tar.bytes[r]), name: sample.key + ".png") } catch {
            throw fail("\(error)")
        }
        guard image.width == sample.width, image.height == sample.height else {
            throw fail("PNG is \(image.width)x\(image.height), the index says \(sample.width)x\(sample.height)")
        }
        guard let perturbation else { return image }
        do { return try perturbation.apply(to: image, sample: sample) } catch { throw fail("cannot perturb the image: \(error)") }
    }
}
