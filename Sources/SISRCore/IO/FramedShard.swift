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
        placed(record, jsonSize: sample.json.count, shard: shard, at: place)
    }

    /// `record` placed in shard `shard` at `place`, its JSON member being `jsonSize` bytes.
    public static func placed(_ record: SampleRecord, jsonSize: Int, shard: Int, at place: Placement) -> SampleRecord {
        var r = record
        r.shard = shard
        r.pngOffset = place.pngOffset
        r.jsonOffset = place.jsonOffset
        r.jsonSize = jsonSize
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

    /// One sample's part of a shard (formats 2 and 3): its two tar members and their zstd frames.
    /// Neither depends on where in the shard the sample lands (tar headers hold no offsets and every
    /// member is padded to whole blocks), so samples are framed on any thread, in any order, and
    /// ``assemble(_:level:)`` only concatenates.
    public struct Segment: Sendable {
        /// The tar bytes of the sample: `<key>.png` and `<key>.json` with their headers and padding.
        public let tar: [UInt8]
        /// The sample's zstd frames: the whole of `tar` (format 2), or cut at the PNG's bands (format 3).
        public let frames: [UInt8]
        /// Offsets of the member data inside `tar`.
        public let pngOffset: Int, jsonOffset: Int
        public let jsonSize: Int
        public let framesSHA256: String
    }

    /// Frames one sample at zstd `level` (`frames` is `.perSample` or `.perBand`).
    /// - Throws: for an invalid member name (see `TarWriter.append`), or (format 3) a PNG member
    ///   that is not a ``BandedPNG`` of `bandRows` rows per band.
    public static func segment(_ sample: Sample, level: Int, frames: ReleaseManifest.FrameLayout,
                               bandRows: Int = ReleaseManifest.defaultBandRows) throws -> Segment {
        precondition(frames.perSampleRegions, "FramedShard.segment: format 1 has one frame per shard")
        var tar = TarWriter()
        let png = try tar.append(name: sample.key + ".png", data: sample.png)
        let json = try tar.append(name: sample.key + ".json", data: sample.json)
        let bytes = tar.bytes
        // Cut points inside the sample's tar bytes: format 2 none; format 3 the PNG's band boundaries.
        let cuts = frames == .perBand
            ? try BandedPNG.layout(sample.png, bandRows: bandRows, name: sample.key + ".png").map { png + $0 }
            : []
        let bounds = [0] + cuts + [bytes.count]
        var out = [UInt8]()
        for i in 0..<(bounds.count - 1) {
            out += Zstd.compress(Array(bytes[bounds[i]..<bounds[i + 1]]), level: level)
        }
        return Segment(tar: bytes, frames: out, pngOffset: png, jsonOffset: json, jsonSize: sample.json.count,
                       framesSHA256: SHA256Hasher.hex(out))
    }

    /// A shard made of framed samples: the `.tar.zst` bytes, the decompressed tar's size and SHA-256
    /// (hashed piece by piece: the tar itself is never put together) and where each sample landed.
    public struct Assembled: Sendable {
        public let compressed: [UInt8]
        public let tarSize: Int
        public let tarSHA256: String
        public let placements: [Placement]
    }

    /// The shard of `segments` in order, closed by the end-of-archive frame at zstd `level`.
    public static func assemble(_ segments: [Segment], level: Int) -> Assembled {
        var compressed = [UInt8]()
        compressed.reserveCapacity(segments.reduce(64) { $0 + $1.frames.count })
        var tarHash = SHA256Hasher()
        var placements = [Placement]()
        var tarSize = 0
        for seg in segments {
            placements.append(Placement(pngOffset: tarSize + seg.pngOffset, jsonOffset: tarSize + seg.jsonOffset,
                                        frameOffset: compressed.count, frameSize: seg.frames.count, frameSHA256: seg.framesSHA256))
            compressed += seg.frames
            tarHash.update(seg.tar)
            tarSize += seg.tar.count
        }
        let end = TarWriter.endOfArchive(afterMembers: tarSize)
        tarHash.update(end)
        compressed += Zstd.compress(end, level: level)
        return Assembled(compressed: compressed, tarSize: tarSize + end.count, tarSHA256: tarHash.finalizeHex(), placements: placements)
    }

    /// Packs `samples` at zstd `level`; the same input always gives the same bytes.
    /// - Throws: for an invalid member name (see `TarWriter.append`), or (format 3) a PNG member
    ///   that is not a ``BandedPNG`` of `bandRows` rows per band.
    public static func pack(_ samples: [Sample], level: Int, frames: ReleaseManifest.FrameLayout = .perBand,
                            bandRows: Int = ReleaseManifest.defaultBandRows) throws -> Packed {
        guard frames == .single else {
            let segments = try samples.map { try segment($0, level: level, frames: frames, bandRows: bandRows) }
            let shard = assemble(segments, level: level)
            let members = segments.flatMap(\.tar)
            return Packed(compressed: shard.compressed, tar: members + TarWriter.endOfArchive(afterMembers: members.count),
                          placements: shard.placements)
        }
        var tar = TarWriter()
        var placements = [Placement]()
        for s in samples {
            let png = try tar.append(name: s.key + ".png", data: s.png)
            let json = try tar.append(name: s.key + ".json", data: s.json)
            placements.append(Placement(pngOffset: png, jsonOffset: json, frameOffset: nil, frameSize: nil, frameSHA256: nil))
        }
        let tarBytes = tar.finish()
        return Packed(compressed: Zstd.compress(tarBytes, level: level), tar: tarBytes, placements: placements)
    }
}
