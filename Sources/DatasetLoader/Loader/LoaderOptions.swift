import Foundation
import SISRCore

/// Everything that decides what a loader yields. Defaults follow the paper's ConvNeXt recipe.
public struct LoaderOptions: Sendable, Equatable {
    /// `train`, `val` or `test`.
    public var split: String = "train"
    /// Seed of the shuffle and the random crops.
    public var seed: UInt64 = 0
    /// Shuffle the order; nil means yes for `train`, no otherwise (sequential release order).
    public var shuffle: Bool?
    /// Shards per shuffle window (see ``EpochOrder``); 0 or less shuffles across all shards at once.
    public var window: Int = 8
    /// Samples per batch on this rank.
    public var batchSize: Int = 32
    public var rank: Int = 0
    public var world: Int = 1
    public var tail: TailPolicy = .wrap
    /// Side of the square patch, in pixels (224 for ConvNeXt, 299 for Xception, any).
    public var patch: Int = 224
    /// nil means random for `train`, center otherwise.
    public var crop: CropMode?
    /// Mirror random crops horizontally with probability 1/2 (drawn per sample and epoch).
    public var hflip: Bool = false
    public var layout: PixelLayout = .float32NCHW
    /// ImageNet mean/std normalisation (float layout only).
    public var normalize: Bool = false
    /// Decoding threads; 0 means one per core.
    public var threads: Int = 0
    /// Batches decoded ahead of the consumer.
    public var prefetch: Int = 4
    /// Memory for a cache of whole decompressed shards (least recently used are dropped; one is
    /// always kept). 0, the default, reads each sample from its own zstd frames instead (formats 2 and 3):
    /// memory then stays at the batches in flight plus about 3x the largest sample per thread and
    /// about 0.5 KB per sample of the index (its selected samples' places), whatever the shards hold. A cache pays off only for releases that fit in it, from the second
    /// epoch on. Format-1 releases (one frame per shard) always use the cache
    /// (``legacyCacheBytes`` when this is 0).
    public var cacheBytes: Int = 0
    /// Put each batch's pixels in a POSIX shared-memory object (``Batch/sharedMemoryFD``) so that
    /// another process maps them without a copy (what PyTorch DataLoader workers need); the pixels
    /// are the same. Off by default: ordinary memory is cheaper within one process.
    public var sharedMemory: Bool = false
    /// Integrity checks (docs/FORMAT.md, "Loader verification"). Format 3 crops: every zstd frame
    /// read is decompressed whole, so its XXH64 checksum is checked, and the sample's structure (tar
    /// member name, PNG header, band chunks and blocks, row filters) against the index, always;
    /// full-image reads also check the SHA-256 of the sample's frames when `verify` is on.
    /// Format 2: the SHA-256 of each sample's frame; format 1 (and the shard cache): the SHA-256 of
    /// each shard file. Off skips the SHA-256 checks only.
    public var verify: Bool = true
    /// Format 3 crops: also check the SHA-256 of every sample's frames (`frame_sha256`; reads and
    /// hashes all of them: 40-57 % more CPU per 960x720 crop in bench_load.sh) against the index. No effect on formats 1 and 2.
    public var verifySHA256: Bool = false

    public init() {}

    /// The shard cache of a format-1 release when `cacheBytes` is 0.
    public static let legacyCacheBytes = 4 << 30

    /// The effective shuffle flag.
    public var shuffles: Bool { shuffle ?? (split == "train") }
    /// The effective crop mode.
    public var cropMode: CropMode { crop ?? (split == "train" ? .random : .center) }
    /// The effective thread count.
    public var threadCount: Int { (try? ThreadCount.resolve(threads)) ?? ThreadCount.cores }

    /// Checks ranges; throws ``LoaderError/argument(_:)``.
    public func validate() throws {
        do { _ = try ThreadCount.resolve(threads, name: "threads") } catch { throw LoaderError.argument("\(error)") }
        guard patch >= 1 else { throw LoaderError.argument("patch must be at least 1 pixel (got \(patch))") }
        guard prefetch >= 1 else { throw LoaderError.argument("prefetch must be at least 1 batch (got \(prefetch))") }
        guard cacheBytes >= 0 else { throw LoaderError.argument("cache size must not be negative") }
        guard !(normalize && layout == .uint8NHWC) else {
            throw LoaderError.argument("normalize needs the float32-nchw layout")
        }
        _ = try EpochPlan(count: 0, batchSize: batchSize, rank: rank, world: world, start: 0, tail: tail)
    }
}
