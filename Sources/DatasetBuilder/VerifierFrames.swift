import SISRCore

extension Verifier {
    /// Formats 2 and 3: each sample's zstd frames are where `index.jsonl` says, hash to
    /// `frame_sha256`, and decompress on their own to the sample's bytes of the tar; the samples
    /// tile the file in order and the last frame holds only the end-of-archive blocks. Format 2
    /// (`bandRows` nil): one frame per sample. Format 3: a head frame, one frame per band, a tail
    /// frame, cut exactly at the band boundaries of a banded PNG (``BandedPNG/layout(_:bandRows:name:)``).
    static func checkFrames(shard: ShardRecord, compressed: [UInt8], tar: [UInt8], samples: [SampleRecord],
                            bandRows: Int? = nil) -> [VerifyProblem] {
        var problems = [VerifyProblem]()
        var expectedOffset = 0, tarEnd = 0
        for s in samples.sorted(by: { ($0.frameOffset ?? -1) < ($1.frameOffset ?? -1) }) {
            let subject = "\(shard.path):\(s.key)"
            guard let offset = s.frameOffset, let size = s.frameSize, let sha = s.frameSHA256,
                  offset >= 0, size > 0, offset <= compressed.count, size <= compressed.count - offset
            else {
                problems.append(.init(subject: subject, problem: "frame_offset/frame_size missing or outside the shard file"))
                continue
            }
            if offset != expectedOffset {
                problems.append(.init(subject: subject, problem: "frame at byte \(offset), expected \(expectedOffset) (frames must tile the file in sample order)"))
            }
            expectedOffset = offset + size
            let frame = Array(compressed[offset..<(offset + size)])
            if SHA256Hasher.hex(frame) != sha { problems.append(.init(subject: subject, problem: "zstd frame differs from frame_sha256")) }
            let start = s.pngOffset - 512
            // The frames one by one, each decompressed on its own.
            var parts = [[UInt8]]()
            var pos = 0
            while pos < frame.count {
                guard let f = frame.withUnsafeBytes({ Zstd.frame(in: $0, at: pos) }),
                      let part = try? Zstd.decompress(Array(frame[pos..<(pos + f.compressed)]), name: subject, maxOutput: tar.count) else {
                    parts = []
                    break
                }
                parts.append(part)
                pos += f.compressed
            }
            let layout = bandRows == nil ? "exactly one valid zstd frame" : "valid zstd frames"
            guard !parts.isEmpty, bandRows != nil || parts.count == 1 else {
                problems.append(.init(subject: subject, problem: "frame_offset/frame_size do not span \(layout)"))
                continue
            }
            let part = parts.flatMap { $0 }
            if start != tarEnd || start < 0 || part.count > tar.count - start || Array(tar[start..<(start + part.count)]) != part {
                problems.append(.init(subject: subject, problem: "its frame does not decompress to its own tar members"))
            } else if let rows = bandRows {
                // Cut points: the head ends where band 0's IDAT starts, each band is one frame, the tail is the rest.
                let png = Range(offset: s.pngOffset, size: s.pngSize, within: tar.count).map { Array(tar[$0]) } ?? []
                do {
                    let cuts = try BandedPNG.layout(png, bandRows: rows, name: subject + ".png").map { 512 + $0 }
                    let bounds = [0] + cuts + [part.count]
                    let sizes = zip(bounds.dropFirst(), bounds).map { $0 - $1 }
                    if parts.map(\.count) != sizes {
                        problems.append(.init(subject: subject, problem: "its \(parts.count) zstd frames are not cut at the PNG's band boundaries (head, \(cuts.count - 1) bands, tail)"))
                    }
                } catch {
                    problems.append(.init(subject: subject, problem: "\(error)"))
                }
            }
            tarEnd = start + part.count
        }
        if problems.isEmpty {
            let rest = Array(compressed[expectedOffset...])
            let tail = (try? Zstd.decompress(rest, name: shard.path, maxOutput: tar.count)) ?? []
            if Zstd.frameCount(rest) != 1 || tail.count != tar.count - tarEnd || tail.contains(where: { $0 != 0 }) {
                problems.append(.init(subject: shard.path, problem: "does not end with one frame holding only the end-of-archive blocks"))
            }
        }
        return problems
    }
}
