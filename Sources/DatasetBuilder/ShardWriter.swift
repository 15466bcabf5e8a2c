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
    /// one zstd frame and returns the bytes and the marker. `index` is the global shard number.
    static func pack(_ rendered: [RenderedSample], planned: PlannedShard, zstdLevel: Int,
                     times: inout StageTimes) throws -> (bytes: [UInt8], marker: ShardMarker) {
        var tar = TarWriter()
        var records = [SampleRecord]()
        var tarBytes = [UInt8]()
        times.tar += try seconds {
            for r in rendered {
                var rec = r.record
                rec.shard = planned.index
                rec.pngOffset = try tar.append(name: rec.key + ".png", data: r.png)
                rec.jsonOffset = try tar.append(name: rec.key + ".json", data: r.json)
                rec.jsonSize = r.json.count
                records.append(rec)
            }
            tarBytes = tar.finish()
        }
        var compressed = [UInt8]()
        times.zstd += seconds { compressed = Zstd.compress(tarBytes, level: zstdLevel) }
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
