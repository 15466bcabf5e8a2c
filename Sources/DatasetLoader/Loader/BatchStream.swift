import Foundation
import SISRCore

/// This rank's batches of one epoch, decoded by a pool of threads a few batches ahead.
///
/// Work is split per sample (batch `g`, slot `i`); each sample's patch depends only on its key, the
/// seed and the epoch, so the bytes do not depend on the number of threads (the determinism rule of
/// SISRCore's `Parallel`, whose `startThreads` runs the decoders). Memory stays bounded:
/// at most `prefetch` batches exist, plus each thread's frame buffers (streaming) or the shard cache.
public final class BatchStream: @unchecked Sendable {
    private final class State: @unchecked Sendable {
        let condition = NSCondition()
        var nextJob = 0
        var consumed = 0
        var stopped = false
        var batches = [Int: Batch]()
        var remaining = [Int: Int]()
        var errors = [Int: (slot: Int, error: Error)]()
        var running = 0
    }

    public let epoch: Int
    public let plan: EpochPlan
    /// The batch indices this stream yields, in order (every batch of the plan unless a subset was asked).
    public let indices: [Int]
    private let loader: BatchLoader
    private let order: [Int]
    private let state = State()
    private let totalJobs: Int

    init(loader: BatchLoader, epoch: Int, plan: EpochPlan, order: [Int], indices: [Int]) {
        self.loader = loader
        self.epoch = epoch
        self.plan = plan
        self.order = order
        self.indices = indices
        let lastSize = indices.last.map { plan.positions(ofBatch: $0).count } ?? 0
        totalJobs = indices.isEmpty ? 0 : (indices.count - 1) * plan.batchSize + lastSize
        let threads = min(loader.options.threadCount, max(totalJobs, 1))
        state.running = threads
        Parallel.startThreads(threads) { [state, loader, order, plan, epoch, indices, totalJobs] _ in
            BatchStream.work(state: state, loader: loader, order: order, plan: plan, epoch: epoch, indices: indices, totalJobs: totalJobs)
        }
    }

    deinit { close() }

    /// Number of batches this stream yields.
    public var batchCount: Int { indices.count }

    /// The next batch, or nil at the end of the epoch.
    /// - Throws: the first error (by slot) met while decoding that batch, naming the shard and sample.
    public func next() throws -> Batch? {
        let s = state
        s.condition.lock()
        defer { s.condition.unlock() }
        let g = s.consumed
        guard g < indices.count, !s.stopped else { return nil }
        while s.remaining[g] != 0 && !s.stopped { s.condition.wait() }
        guard s.remaining[g] == 0 else { return nil }
        if let failure = s.errors[g] {
            s.stopped = true
            s.condition.broadcast()
            throw failure.error
        }
        let batch = s.batches.removeValue(forKey: g)!
        s.remaining[g] = nil
        s.consumed += 1
        s.condition.broadcast()
        return batch
    }

    /// Stops the worker threads and waits for them; further `next()` calls return nil.
    public func close() {
        let s = state
        s.condition.lock()
        s.stopped = true
        s.condition.broadcast()
        while s.running > 0 { s.condition.wait() }
        s.condition.unlock()
    }

    /// Streaming: how many samples ahead a thread asks the kernel to read (keeps the disk busy).
    static let readAhead = 8

    private static func work(
        state s: State, loader: BatchLoader, order: [Int], plan: EpochPlan, epoch: Int, indices: [Int], totalJobs: Int
    ) {
        let options = loader.options
        let writer = PixelWriter(layout: options.layout, patch: options.patch, normalize: options.normalize)
        var scratch = [UInt8](repeating: 0, count: options.patch * options.patch * 3)
        let frames = loader.streams ? FrameReader() : nil
        s.condition.lock()
        while true {
            if s.stopped || s.nextJob >= totalJobs { break }
            let job = s.nextJob
            let g = job / plan.batchSize, slot = job % plan.batchSize  // g counts this stream's batches
            if g >= s.consumed + options.prefetch { s.condition.wait(); continue }
            s.nextJob += 1
            if s.batches[g] == nil {
                let positions = plan.positions(ofBatch: indices[g])
                let batch = Batch(epoch: epoch, index: indices[g], patch: options.patch, layout: options.layout,
                                  positions: positions, counter: plan.counter(afterBatch: indices[g]), pool: loader.batchPool)
                for (i, p) in positions.enumerated() {
                    let ref = loader.source.samples[order[p]]
                    batch.keys[i] = ref.key
                    batch.labels[i] = ref.classId
                }
                s.batches[g] = batch
                s.remaining[g] = positions.count
            }
            let batch = s.batches[g]!
            s.condition.unlock()
            var failure: Error?
            if let frames, job + Self.readAhead < totalJobs {
                let ahead = job + Self.readAhead
                let ref = loader.source.samples[order[plan.positions(ofBatch: indices[ahead / plan.batchSize])[ahead % plan.batchSize]]]
                frames.prefetch(ref, shard: loader.source.shards[ref.shard])
            }
            do {
                let ref = loader.source.samples[order[batch.positions[slot]]]
                let crop = try loader.cropPlan(ref, epoch: epoch)
                if frames == nil && loader.store.isLoading(ref.shard) {
                    // Rather than wait for another thread's decompression, decompress a shard that a
                    // coming job needs (keeps every core busy while shards are first read).
                    let ahead = (job + 1)..<min(totalJobs, job + 1 + 2 * plan.batchSize * options.prefetch)
                    if let next = ahead.lazy.map({ j in
                        loader.source.samples[order[plan.positions(ofBatch: indices[j / plan.batchSize])[j % plan.batchSize]]].shard
                    }).first(where: loader.store.isAbsent) {
                        _ = try? loader.store.tar(next)
                    }
                }
                try scratch.withUnsafeMutableBufferPointer { buf in
                    try loader.readPatch(ref, plan: crop, frames: frames, into: buf.baseAddress!)
                    writer.write(buf.baseAddress!, flip: crop.flip, into: batch, slot: slot)
                }
            } catch {
                failure = error
            }
            s.condition.lock()
            if let failure, s.errors[g].map({ slot < $0.slot }) ?? true { s.errors[g] = (slot, failure) }
            s.remaining[g]! -= 1
            if s.remaining[g] == 0 || failure != nil { s.condition.broadcast() }
        }
        s.running -= 1
        s.condition.broadcast()
        s.condition.unlock()
    }
}
