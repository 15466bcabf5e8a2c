import Foundation
import SISRCore

/// The completion marker of one shard (`.sisr-build/done/<index>.json`): written after the shard
/// file is in place; `--finalize` and resumed builds read it instead of re-rendering.
public struct ShardMarker: Codable, Sendable, Equatable {
    public var shard: ShardRecord
    public var samples: [SampleRecord]
}

/// Packs rendered samples into one reproducible `.tar.zst` shard.
enum ShardWriter {
    /// Builds the tar (members `<key>.png`, `<key>.json` per sample, in order), compresses it into
    /// per-band zstd frames (`FramedShard`, format 3) and returns the bytes and the marker.
    static func pack(_ rendered: [RenderedSample], planned: PlannedShard, zstdLevel: Int, bandRows: Int,
                     times: inout StageTimes) throws -> (bytes: [UInt8], marker: ShardMarker) {
        var packed: FramedShard.Packed?
        let samples = rendered.map { FramedShard.Sample(key: $0.record.key, png: $0.png, json: $0.json) }
        times.zstd += try seconds { packed = try FramedShard.pack(samples, level: zstdLevel, frames: .perBand, bandRows: bandRows) }
        let tarBytes = packed!.tar, compressed = packed!.compressed
        let records = zip(rendered, zip(samples, packed!.placements)).map { r, sp in
            FramedShard.placed(r.record, sp.0, shard: planned.index, at: sp.1)
        }
        var tarHash = "", hash = ""
        times.hash += seconds {
            tarHash = SHA256Hasher.hex(tarBytes)
            hash = SHA256Hasher.hex(compressed)
        }
        let shard = ShardRecord(path: planned.path, split: planned.split, samples: records.count, bytes: compressed.count,
                                sha256: hash, tarBytes: tarBytes.count, tarSHA256: tarHash,
                                firstKey: records.first?.key ?? "", lastKey: records.last?.key ?? "")
        return (compressed, ShardMarker(shard: shard, samples: records))
    }
}
