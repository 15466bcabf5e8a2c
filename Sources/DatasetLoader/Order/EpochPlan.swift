/// What happens to the last, incomplete global batch of an epoch.
public enum TailPolicy: String, Sendable, Codable, CaseIterable {
    /// Fill it by wrapping to the start of the epoch order (every rank gets the same number of
    /// full batches; a few samples are seen twice). The default.
    case wrap
    /// Drop it (some samples are not seen this epoch).
    case drop
    /// Keep it short (only with one rank: evaluation without duplicates).
    case partial
}

/// How one rank walks one epoch: which global positions of the epoch order each of its batches holds.
///
/// - The epoch order has `N` samples. The global batch is `B = batchSize * world`.
/// - Global batch `g` covers positions `start + g*B ..< start + (g+1)*B`; rank `r` takes the
///   `batchSize` positions beginning at `start + g*B + r*batchSize`. Position `p` means sample
///   `order[p mod N]` (wrapping pads the tail).
/// - Batch count: `ceil((N - start) / B)` with `.wrap`, `floor(...)` with `.drop`, and with `.partial`
///   (one rank only) `ceil` with the last batch cut at position `N`.
/// - `start` is the resume counter: the number of epoch positions already consumed by all ranks
///   together. Resuming from `start = k*B` yields exactly the batches `k...` of the uninterrupted run.
///
/// Merging the ranks' batches `g` in rank order gives global batch `g`, so 1 rank with batch `3b` sees
/// the same sequence as 3 ranks with batch `b` merged.
public struct EpochPlan: Sendable, Equatable {
    public let count: Int
    public let batchSize: Int
    public let rank: Int
    public let world: Int
    public let start: Int
    public let tail: TailPolicy

    /// - Throws: `SISRError.invalidArgument` for a bad batch size, rank, world, start or tail.
    public init(count: Int, batchSize: Int, rank: Int = 0, world: Int = 1, start: Int = 0, tail: TailPolicy = .wrap) throws {
        guard batchSize >= 1 else { throw LoaderError.argument("batch size must be at least 1 (got \(batchSize))") }
        guard world >= 1, (0..<world).contains(rank) else {
            throw LoaderError.argument("rank \(rank) must lie in 0..<world (world \(world))")
        }
        guard start >= 0, start <= count else {
            throw LoaderError.argument("resume counter \(start) must lie in 0...\(count) (samples in the epoch)")
        }
        guard tail != .partial || world == 1 else {
            throw LoaderError.argument("tail policy 'partial' needs world 1; use 'wrap' or 'drop' with several ranks")
        }
        self.count = count
        self.batchSize = batchSize
        self.rank = rank
        self.world = world
        self.start = start
        self.tail = tail
    }

    /// Global batch size `batchSize * world`.
    public var globalBatch: Int { batchSize * world }

    /// Number of batches this rank yields (the same for every rank).
    public var batchCount: Int {
        let remaining = count - start
        guard count > 0, remaining > 0 else { return 0 }
        switch tail {
        case .wrap, .partial: return (remaining + globalBatch - 1) / globalBatch
        case .drop: return remaining / globalBatch
        }
    }

    /// Positions in the epoch order (already reduced mod `count`) of this rank's batch `g`.
    public func positions(ofBatch g: Int) -> [Int] {
        precondition(g >= 0 && g < batchCount, "batch \(g) out of range 0..<\(batchCount)")
        let first = start + g * globalBatch + rank * batchSize
        if tail == .partial {
            return Array(first..<min(first + batchSize, count))
        }
        return (first..<(first + batchSize)).map { $0 % count }
    }

    /// The resume counter after this rank's batch `g` is consumed (by every rank).
    public func counter(afterBatch g: Int) -> Int { min(start + (g + 1) * globalBatch, count) }
}
