import SISRCore

extension Verifier {
    /// Format 2: each sample's zstd frame is where `index.jsonl` says, hashes to `frame_sha256`, and
    /// decompresses on its own to the sample's bytes of the tar; the frames tile the file in order
    /// and the last one holds only the end-of-archive blocks.
    static func checkFrames(shard: ShardRecord, compressed: [UInt8], tar: [UInt8], samples: [SampleRecord]) -> [VerifyProblem] {
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
            guard Zstd.frameCount(frame) == 1, let part = try? Zstd.decompress(frame, name: subject, maxOutput: tar.count) else {
                problems.append(.init(subject: subject, problem: "frame_offset/frame_size do not span exactly one valid zstd frame"))
                continue
            }
            let start = s.pngOffset - 512
            if start != tarEnd || start < 0 || part.count > tar.count - start || Array(tar[start..<(start + part.count)]) != part {
                problems.append(.init(subject: subject, problem: "its frame does not decompress to its own tar members"))
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
