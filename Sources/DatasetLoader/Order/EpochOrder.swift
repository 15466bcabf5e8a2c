import SISRCore

/// The order in which an epoch visits the selected samples: a pure function of
/// (manifest SHA-256, split, seed, epoch, window) and the selected samples, never of threads,
/// workers or ranks.
///
/// Specification, version 1 (`python/sisr_loader/reference.py` reproduces it in ~30 lines):
///
/// - `H(names...)` is the initial state of ``SeededRandom``: the first 8 bytes (big-endian) of
///   SHA-256 of the UTF-8 text `"sisr-v1|<seed>|" + "|".join(names)`.
/// - **Sequential mode**: the selected samples in release order (the order of `index.jsonl`).
/// - **Shuffled mode**:
///   1. Each shard `s` (its index in `manifest.json`'s `shards`) that holds a selected sample gets
///      `H("order", manifest_sha256, split, str(epoch), "shard", str(s))`; shards are sorted by
///      `(hash, s)`.
///   2. The sorted shards are cut into consecutive windows of `window` shards (`window <= 0` means
///      one window holding every shard: a full shuffle).
///   3. Inside each window, its selected samples are sorted by
///      `(H("order", manifest_sha256, split, str(epoch), "sample", key), key)`.
///   4. The epoch order is the windows' sample lists, one after the other.
///
///   A window of W shards bounds how many decompressed shards a reader needs at once (W), at the
///   price of a shuffle that mixes samples only within W shards per stretch of the epoch.
public enum EpochOrder {
    /// One selected sample as the order sees it.
    public struct Item: Sendable, Equatable {
        public let key: String
        public let shard: Int
        public init(key: String, shard: Int) {
            self.key = key
            self.shard = shard
        }
    }

    /// The hash `H` of the specification: `SeededRandom(seed:names:)`'s initial state.
    public static func hash(seed: UInt64, _ names: [String]) -> UInt64 {
        SeededRandom(seed: seed, names: names).state
    }

    /// Indices into `items` (which are in release order) in the order the epoch visits them.
    public static func permutation(
        of items: [Item], manifestSHA256: String, split: String, seed: UInt64, epoch: Int,
        shuffle: Bool, window: Int
    ) -> [Int] {
        guard shuffle else { return Array(items.indices) }
        var byShard = [Int: [Int]]()
        for (i, item) in items.enumerated() { byShard[item.shard, default: []].append(i) }
        let base = ["order", manifestSHA256, split, String(epoch)]
        let shards = byShard.keys
            .map { (hash(seed: seed, base + ["shard", String($0)]), $0) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map(\.1)
        let w = window <= 0 ? max(shards.count, 1) : window
        var out = [Int]()
        out.reserveCapacity(items.count)
        var start = 0
        while start < shards.count {
            let group = shards[start..<min(start + w, shards.count)]
            let members = group.flatMap { byShard[$0]! }
                .map { (hash(seed: seed, base + ["sample", items[$0].key]), items[$0].key, $0) }
                .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : byteOrder($0.1, $1.1) }
            out.append(contentsOf: members.map(\.2))
            start += w
        }
        return out
    }
}
