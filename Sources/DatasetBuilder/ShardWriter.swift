import Foundation
import SISRCore

/// The completion marker of one shard (`.sisr-build/done/<index>.json`): written after the shard
/// file is in place; `--finalize` and resumed builds read it instead of re-rendering.
public struct ShardMarker: Codable, Sendable, Equatable {
    public var shard: ShardRecord
    public var samples: [SampleRecord]
}

/// Puts rendered (already framed) samples together into one reproducible `.tar.zst` shard.
enum ShardWriter {
    /// The shard of `rendered` in order (tar members `<key>.png`, `<key>.json` per sample, per-band
    /// zstd frames: `FramedShard`, format 3) and its completion marker.
    static func pack(_ rendered: [RenderedSample], planned: PlannedShard, zstdLevel: Int,
                     times: inout StageTimes) -> (bytes: [UInt8], marker: ShardMarker) {
        var shard: FramedShard.Assembled?
        times.tar += seconds { shard = FramedShard.assemble(rendered.map(\.segment), level: zstdLevel) }
        let compressed = shard!.compressed
        let records = zip(rendered, shard!.placements).map { r, place in
            FramedShard.placed(r.record, jsonSize: r.segment.jsonSize, shard: planned.index, at: place)
        }
        var hash = ""
        times.hash += seconds { hash = SHA256Hasher.hex(compressed) }
        let record = ShardRecord(path: planned.path, split: planned.split, samples: records.count, bytes: compressed.count,
                                 sha256: hash, tarBytes: shard!.tarSize, tarSHA256: shard!.tarSHA256,
                                 firstKey: records.first?.key ?? "", lastKey: records.last?.key ?? "")
        return (compressed, ShardMarker(shard: record, samples: records))
    }
}
