import SISRCore

/// Where one sample's PNG lies in its shard, and what the index says about it.
public struct SampleRef: Sendable, Equatable {
    public let key: String
    public let shard: Int
    public let pngOffset: Int
    public let pngSize: Int
    public let width: Int
    public let height: Int
    public let classId: Int32

    public init(key: String, shard: Int, pngOffset: Int, pngSize: Int, width: Int, height: Int, classId: Int32) {
        self.key = key
        self.shard = shard
        self.pngOffset = pngOffset
        self.pngSize = pngSize
        self.width = width
        self.height = height
        self.classId = classId
    }
}

/// Cuts one sample's patch out of a decompressed shard.
enum SampleReader {
    /// Writes the RGB8 patch `plan` of `ref` into `out` (`size * size * 3` bytes). Uses the shard-PNG
    /// fast path when the member is in the shard format, and `PNG.decode` for any other PNG.
    /// - Throws: ``LoaderError/sample(shard:key:problem:)`` naming the shard and the sample.
    static func crop(_ ref: SampleRef, tar: [UInt8], shardPath: String, plan: CropPlan, into out: UnsafeMutablePointer<UInt8>) throws {
        func fail(_ problem: String) -> LoaderError { .sample(shard: shardPath, key: ref.key, problem: problem) }
        guard ref.pngOffset >= 512, ref.pngSize > 0, ref.pngOffset + ref.pngSize <= tar.count else {
            throw fail("PNG member (\(ref.pngSize) bytes at \(ref.pngOffset)) lies outside the \(tar.count)-byte tar (truncated shard?)")
        }
        let expected = Array((ref.key + ".png").utf8)
        let nameMatches = tar.withUnsafeBufferPointer { t in
            let header = t.baseAddress! + ref.pngOffset - 512
            return expected.count <= 100 && (0..<expected.count).allSatisfy { header[$0] == expected[$0] }
                && (expected.count == 100 || header[expected.count] == 0)
        }
        guard nameMatches else { throw fail("the tar member at byte \(ref.pngOffset - 512) is not \(ref.key).png (index and shard disagree)") }
        let fast: (width: Int, height: Int)?
        do {
            fast = try tar.withUnsafeBytes { raw in
                try ShardPNG.crop(UnsafeRawBufferPointer(rebasing: raw[ref.pngOffset..<(ref.pngOffset + ref.pngSize)]),
                                  x: plan.x, y: plan.y, size: plan.size, into: out)
            }
        } catch let failure as ShardPNG.Failure {
            throw fail(failure.description)
        }
        if let dims = fast {
            guard dims.width == ref.width, dims.height == ref.height else {
                throw fail("PNG is \(dims.width)x\(dims.height), the index says \(ref.width)x\(ref.height)")
            }
            return
        }
        let image: RGBImage
        do { image = try PNG.decode(Array(tar[ref.pngOffset..<(ref.pngOffset + ref.pngSize)]), name: ref.key + ".png") } catch {
            throw fail("\(error)")
        }
        guard image.width == ref.width, image.height == ref.height else {
            throw fail("PNG is \(image.width)x\(image.height), the index says \(ref.width)x\(ref.height)")
        }
        let rowBytes = plan.size * 3
        image.pixels.withUnsafeBufferPointer { px in
            for row in 0..<plan.size {
                (out + row * rowBytes).update(from: px.baseAddress! + ((plan.y + row) * image.width + plan.x) * 3, count: rowBytes)
            }
        }
    }
}
