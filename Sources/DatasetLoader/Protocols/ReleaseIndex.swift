import Foundation
import SISRCore

/// The parts of a release (docs/FORMAT.md) the loader reads: the manifest's shard list and hash, and
/// every sample's labels and location.
public struct ReleaseIndex: Sendable {
    /// One line of `index.jsonl`, as the loader uses it.
    public struct Sample: Sendable, Equatable {
        public let key: String
        public let split: String
        public let labels: [String: String]
        public let width: Int
        public let height: Int
        public let shard: Int
        public let pngOffset: Int
        public let pngSize: Int
    }

    public let url: URL
    /// SHA-256 of `manifest.json`'s bytes.
    public let manifestSHA256: String
    public let shards: [ShardInfo]
    /// Shard splits, parallel to `shards`.
    public let shardSplits: [String]
    public let samples: [Sample]
}
