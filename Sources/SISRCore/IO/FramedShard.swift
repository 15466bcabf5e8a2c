/// Packs samples into a shard in the release format (docs/FORMAT.md): a reproducible ustar archive
/// (`<key>.png`, `<key>.json` per sample, in order) compressed as, per sample, a head frame, one
/// frame per band of PNG rows and a tail frame, then one frame for the end-of-archive blocks
/// (format 3, the members being ``BandedPNG``s); as one frame per sample plus the end-of-archive
/// frame (format 2); or as one frame for the whole tar (format 1). Formats 1 and 2 are kept for
/// reading and testing old releases.
///
/// Every frame has the content size and an XXH64 checksum, so `zstd -d`, GNU `tar` and any zstd
/// stream reader read the concatenation as one tar; a reader that knows a sample's frame (from
/// `index.jsonl`) decompresses that sample alone.
public enum FramedShard {
    /// The members of one sample.
    public struct Sample: Sendable {
        public let key: String
        public let png: [UInt8]
        public let json: [UInt8]
        public init(key: String, png: [UInt8], json: [UInt8]) {
            self.key = key
            self.png = png
            self.json = json
        }
    }

    /// Where one sample landed: member data offsets in the tar; its frames' region in the compressed
    /// file (formats 2 and 3).
    public struct Placement: Sendable, Equatable {
        public let pngOffset: Int
        public let jsonOffset: Int
        public let frameOffset: Int?
        public let frameSize: Int?
        public let frameSHA256: String?
    }

    /// `record` of `sample` placed in shard `shard` at `place` (offsets, JSON size and frame filled in):
    /// the index record the builder writes (and test releases copy).
    public static func placed(_ record: SampleRecord, _ sample: Sample, shard: Int, at place: Placement) -> SampleRecord {
        var r = record
        r.shard = shard
        r.pngOffset = place.pngOffset
        r.jsonOffset = place.jsonOffset
        r.jsonSize = sample.json.count
        r.frameOffset = place.frameOffset
        r.frameSize = place.frameSize
        r.frameSHA256 = place.frameSHA256
        return r
    }

    public struct Packed: Sendable {
        /// The `.tar.zst` file.
        public let compressed: [UInt8]
        /// The decompressed tar (its size and SHA-256 go in the manifest).
        public let tar: [UInt8]
        public let placements: [Placement]
    }

    /// Packs `samples` at zstd `level`; the same input always gives the same bytes.
    /// - Throws: for an invalid member name (see `TarWriter.append`), or (format 3) a PNG member
    ///   that is not a ``BandedPNG`` of `bandRows` rows per band.
    public static func pack(_ samples: [Sample], level: Int, frames: ReleaseManifest.FrameLayout = .perBand,
                            bandRows: Int = ReleaseManifest.defaultBandRows) throws -> Packed {
        var tar = TarWriter()
        var spans = [(start: Int, end: Int, png: Int, json: Int)]()
        for s in samples {
            let start = tar.bytes.count
            let png = try tar.append(name: s.key + ".png", data: s.png)
            let json = try tar.append(name: s.key + ".json", data: s.json)
            spans.append((start, tar.bytes.count, png, json))
        }
        let tarBytes = tar.finish()
        guard frames != .single else {
            let placements = spans.map { Placement(pngOffset: $0.png, jsonOffset: $0.json, frameOffset: nil, frameSize: nil, frameSHA256: nil) }
            return Packed(compressed: Zstd.compress(tarBytes, level: level), tar: tarBytes, placements: placements)
        }
        var compressed = [UInt8]()
        var placements = [Placement]()
        for (span, sample) in zip(spans, samples) {
            // Cut points inside the sample's tar bytes: format 2 none; format 3 the PNG's band boundaries.
            let cuts = frames == .perBand
                ? try BandedPNG.layout(sample.png, bandRows: bandRows, name: sample.key + ".png").map { span.png + $0 }
                : []
            let bounds = [span.start] + cuts + [span.end]
            let start = compressed.count
            for i in 0..<(bounds.count - 1) {
                compressed += Zstd.compress(Array(tarBytes[bounds[i]..<bounds[i + 1]]), level: level)
            }
            placements.append(Placement(pngOffset: span.png, jsonOffset: span.json, frameOffset: start,
                                        frameSize: compressed.count - start, frameSHA256: SHA256Hasher.hex(compressed[start...])))
        }
        compressed += Zstd.compress(Array(tarBytes[(spans.last?.end ?? 0)...]), level: level)
        return Packed(compressed: compressed, tar: tarBytes, placements: placements)
    }
}
