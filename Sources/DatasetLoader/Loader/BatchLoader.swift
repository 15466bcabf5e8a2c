import Foundation
import SISRCore

/// The selected samples of one split of one release, ready for ordering and decoding.
public struct LoaderSource: Sendable {
    /// SHA-256 of the release's `manifest.json` (part of the order's hash).
    public let manifestSHA256: String
    public let split: String
    public let shards: [ShardInfo]
    /// Selected samples, in release order; `classId` indexes `classes`.
    public let samples: [SampleRef]
    public let classes: [String]
    /// The shards hold each sample in frames of its own (formats 2 and 3) and `samples` give their place.
    public let perSampleFrames: Bool
    /// Perturbations applied to every sample's whole image before its patch is cut (nil: none).
    public let perturbation: PerturbationSpec?

    public init(manifestSHA256: String, split: String, shards: [ShardInfo], samples: [SampleRef], classes: [String],
                perSampleFrames: Bool = false, perturbation: PerturbationSpec? = nil) {
        self.manifestSHA256 = manifestSHA256
        self.split = split
        self.shards = shards
        self.samples = samples
        self.classes = classes
        self.perSampleFrames = perSampleFrames
        self.perturbation = perturbation
    }
}

/// Deterministic, parallel batches of patches from a release's shards.
///
/// ```swift
/// var options = LoaderOptions()
/// options.split = "train"; options.batchSize = 32; options.patch = 224
/// let loader = try BatchLoader(release: url, protocol: "attribution-custom", options: options)
/// for epoch in 0..<10 {
///     let stream = try loader.batches(epoch: epoch)
///     while let batch = try stream.next() { /* batch.floats, batch.labels, batch.keys */ }
/// }
/// ```
public final class BatchLoader: Sendable {
    public let source: LoaderSource
    public let options: LoaderOptions
    let store: ShardStore
    /// True when samples are read from their own frames (formats 2 and 3, no shard cache asked for); false
    /// when whole shards are decompressed into the cache (format 1, or `cacheBytes > 0`).
    public let streams: Bool
    /// Batches' pixel memory, reused once no batch (and, with ``LoaderOptions/sharedMemory``, no process) holds it.
    let batchPool: BatchMemoryPool

    /// A loader over already selected samples (see ``ProtocolSelection`` for building one from a release).
    public init(source: LoaderSource, options: LoaderOptions) throws {
        try options.validate()
        guard options.split == source.split else {
            throw LoaderError.argument("options ask for split \(options.split) but the source holds \(source.split)")
        }
        try SelectionChecks.patchFits(source, patch: options.patch)
        self.source = source
        self.options = options
        streams = source.perSampleFrames && options.cacheBytes == 0
        batchPool = BatchMemoryPool(limit: options.prefetch + BatchMemoryPool.consumerSlack, shared: options.sharedMemory)
        store = ShardStore(shards: source.shards, budget: options.cacheBytes > 0 ? options.cacheBytes : LoaderOptions.legacyCacheBytes,
                           verify: options.verify)
    }

    /// Class names; a batch's labels index this list.
    public var classes: [String] { source.classes }
    /// Samples in the selection (one epoch visits each once, plus wrap-around padding).
    public var sampleCount: Int { source.samples.count }

    /// The epoch order as indices into `source.samples`.
    public func order(epoch: Int) -> [Int] {
        EpochOrder.permutation(
            of: source.samples.map { EpochOrder.Item(key: $0.key, shard: $0.shard) },
            manifestSHA256: source.manifestSHA256, split: source.split, seed: options.seed, epoch: epoch,
            shuffle: options.shuffles, window: options.window)
    }

    /// This rank's walk through an epoch, resuming after `start` consumed positions.
    public func plan(start: Int = 0) throws -> EpochPlan {
        try EpochPlan(count: sampleCount, batchSize: options.batchSize, rank: options.rank, world: options.world,
                      start: start, tail: options.tail)
    }

    /// This rank's batches of sample keys for an epoch, without reading any pixels.
    public func keys(epoch: Int, start: Int = 0) throws -> [[String]] {
        let plan = try plan(start: start)
        let order = order(epoch: epoch)
        return (0..<plan.batchCount).map { g in plan.positions(ofBatch: g).map { source.samples[order[$0]].key } }
    }

    /// The crop each sample gets in `epoch`.
    public func cropPlan(_ sample: SampleRef, epoch: Int) throws -> CropPlan {
        do {
            return try CropPlan.make(mode: options.cropMode, key: sample.key, width: sample.width, height: sample.height,
                                     patch: options.patch, seed: options.seed, epoch: epoch, hflip: options.hflip)
        } catch let LoaderError.argument(message) {
            throw LoaderError.sample(shard: source.shards[sample.shard].path, key: sample.key, problem: message)
        }
    }

    /// Decodes this rank's batches of `epoch` in the background, `options.prefetch` batches ahead.
    ///
    /// `stride`/`offset` keep only batches `offset, offset + stride, ...` (how a PyTorch DataLoader
    /// worker `offset` of `stride` takes its share; the workers' outputs interleaved in turn give the
    /// full sequence).
    public func batches(epoch: Int, start: Int = 0, stride: Int = 1, offset: Int = 0) throws -> BatchStream {
        guard stride >= 1, (0..<stride).contains(offset) else {
            throw LoaderError.argument("batch offset \(offset) must lie in 0..<stride (stride \(stride))")
        }
        let plan = try plan(start: start)
        return BatchStream(loader: self, epoch: epoch, plan: plan, order: order(epoch: epoch),
                           indices: Array(Swift.stride(from: offset, to: plan.batchCount, by: stride)))
    }

    /// The RGB8 patch of one sample for `epoch` (unflipped), decoded on the calling thread.
    public func patch(of sample: SampleRef, epoch: Int) throws -> [UInt8] {
        let plan = try cropPlan(sample, epoch: epoch)
        var out = [UInt8](repeating: 0, count: plan.size * plan.size * 3)
        try out.withUnsafeMutableBufferPointer { try readPatch(sample, plan: plan, frames: streams ? FrameReader() : nil, into: $0.baseAddress!) }
        return out
    }

    /// Writes `sample`'s patch into `out`: from its own frame with `frames` (streaming), otherwise
    /// from its shard's cached tar. With a perturbation, the whole image is decoded and perturbed first.
    func readPatch(_ sample: SampleRef, plan: CropPlan, frames: FrameReader?, into out: UnsafeMutablePointer<UInt8>) throws {
        let shard = source.shards[sample.shard]
        if let perturbation = source.perturbation {
            let image = try SampleReader.image(sample, shard: shard, store: store, frames: frames, verify: options.verify,
                                               perturbation: perturbation)
            image.pixels.withUnsafeBufferPointer { px in
                for row in 0..<plan.size {
                    (out + row * plan.size * 3).update(from: px.baseAddress! + ((plan.y + row) * image.width + plan.x) * 3,
                                                       count: plan.size * 3)
                }
            }
        } else if let frames {
            try frames.crop(sample, shard: shard, plan: plan, verify: options.verify, verifySHA256: options.verifySHA256, into: out)
        } else {
            try SampleReader.crop(sample, tar: try store.tar(sample.shard).bytes, shardPath: shard.path, plan: plan, into: out)
        }
    }
}
