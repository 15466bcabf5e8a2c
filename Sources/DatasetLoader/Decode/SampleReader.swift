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
    /// Format 2: the sample's zstd frame in the shard file (offset, size, SHA-256 of those bytes).
    public let frameOffset: Int?
    public let frameSize: Int?
    public let frameSHA256: String?

    public init(key: String, shard: Int, pngOffset: Int, pngSize: Int, width: Int, height: Int, classId: Int32,
                frameOffset: Int? = nil, frameSize: Int? = nil, frameSHA256: String? = nil) {
        self.key = key
        self.shard = shard
        self.pngOffset = pngOffset
        self.pngSize = pngSize
        self.width = width
        self.height = height
        self.classId = classId
        self.frameOffset = frameOffset
        self.frameSize = frameSize
        self.frameSHA256 = frameSHA256
    }
}

/// Cuts one sample's patch out of decompressed tar bytes.
///
/// Every offset and size from the index is checked with overflow-safe arithmetic before it is used,
/// so a hostile `index.jsonl` gives an error naming the shard and sample, never a trap.
enum SampleReader {
    /// The bytes of `ref`'s PNG member inside `bytes` (the tar bytes from offset `base` on), after
    /// checking that the index's offset and size lie inside them and that the tar header before it
    /// names `<key>.png`. With `complete` false the bytes may stop inside the member: then the
    /// available prefix is returned and `whole` is false.
    /// - Throws: ``LoaderError/sample(shard:key:problem:)`` naming the shard and the sample.
    static func member(_ ref: SampleRef, bytes: UnsafeRawBufferPointer, base: Int, complete: Bool = true,
                       shardPath: String) throws -> (png: UnsafeRawBufferPointer, whole: Bool) {
        func fail(_ problem: String) -> LoaderError { .sample(shard: shardPath, key: ref.key, problem: problem) }
        let (local, overflow) = ref.pngOffset.subtractingReportingOverflow(base)
        let whole = overflow ? nil : Range(offset: local, size: ref.pngSize, within: bytes.count)
        guard !overflow, local >= 512, ref.pngSize > 0, whole != nil || (!complete && local <= bytes.count) else {
            throw fail("PNG member (\(ref.pngSize) bytes at \(ref.pngOffset)) lies outside the tar data (\(bytes.count) bytes from \(base); truncated shard or bad index?)")
        }
        let expected = Array((ref.key + ".png").utf8)
        let header = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + local - 512
        let nameMatches = expected.count <= 100 && (0..<expected.count).allSatisfy { header[$0] == expected[$0] }
            && (expected.count == 100 || header[expected.count] == 0)
        guard nameMatches else { throw fail("the tar member at byte \(ref.pngOffset - 512) is not \(ref.key).png (index and shard disagree)") }
        let available = whole?.count ?? (bytes.count - local)
        return (UnsafeRawBufferPointer(rebasing: bytes[local..<(local + available)]), whole != nil)
    }

    /// The decoded RGB8 image of `ref` from its whole PNG member, checked against the index's size.
    static func image(_ ref: SampleRef, png: UnsafeRawBufferPointer, shardPath: String) throws -> RGBImage {
        func fail(_ problem: String) -> LoaderError { .sample(shard: shardPath, key: ref.key, problem: problem) }
        let image: RGBImage
        do { image = try PNG.decode(Array(png), name: ref.key + ".png") } catch {
            throw fail("\(error)")
        }
        guard image.width == ref.width, image.height == ref.height else {
            throw fail("PNG is \(image.width)x\(image.height), the index says \(ref.width)x\(ref.height)")
        }
        return image
    }

    /// The one way to the whole image of a sample: decoded from its PNG member (``image(_:png:shardPath:)``:
    /// the member's offsets and name, the decoded size against the index) and then perturbed by
    /// `perturbation` when given (steps drawn from the sample's key). The member is read from its
    /// own zstd frames with `frames` (formats 2 and 3), else from its shard's whole tar in `store` (format 1).
    /// Used by the batch loader (perturbed protocols) and ``SampleImages``.
    /// - Throws: ``LoaderError/sample(shard:key:problem:)`` naming the shard and the sample.
    static func image(_ ref: SampleRef, shard: ShardInfo, store: ShardStore, frames: FrameReader?, verify: Bool,
                      perturbation: PerturbationSpec?) throws -> RGBImage {
        let image: RGBImage
        if let frames {
            image = try frames.withPNG(ref, shard: shard, verify: verify) { try Self.image(ref, png: $0, shardPath: shard.path) }
        } else {
            image = try store.tar(ref.shard).bytes.withUnsafeBytes {
                try Self.image(ref, png: try member(ref, bytes: $0, base: 0, shardPath: shard.path).png, shardPath: shard.path)
            }
        }
        guard let perturbation else { return image }
        do { return try perturbation.apply(to: image, key: ref.key) } catch {
            throw LoaderError.sample(shard: shard.path, key: ref.key, problem: "cannot perturb the image: \(error)")
        }
    }

    /// Writes the RGB8 patch `plan` of `ref` into `out` (`size * size * 3` bytes) from the whole
    /// decompressed tar of its shard.
    /// - Throws: ``LoaderError/sample(shard:key:problem:)`` naming the shard and the sample.
    static func crop(_ ref: SampleRef, tar: [UInt8], shardPath: String, plan: CropPlan, into out: UnsafeMutablePointer<UInt8>) throws {
        _ = try tar.withUnsafeBytes { raw in
            try crop(ref, bytes: raw, base: 0, complete: true, shardPath: shardPath, plan: plan, into: out)
        }
    }

    /// The same from `bytes`, the tar bytes from offset `base` on. With `complete` false they may
    /// stop anywhere after the PNG member's start (a partial decompression); then the result is
    /// false if they stop before the rows the patch needs (decompress further and call again).
    /// Uses the shard-PNG fast path when the member is in the shard format, `PNG.decode` otherwise.
    static func crop(_ ref: SampleRef, bytes: UnsafeRawBufferPointer, base: Int, complete: Bool, shardPath: String,
                     plan: CropPlan, into out: UnsafeMutablePointer<UInt8>) throws -> Bool {
        func fail(_ problem: String) -> LoaderError { .sample(shard: shardPath, key: ref.key, problem: problem) }
        let (png, whole) = try member(ref, bytes: bytes, base: base, complete: complete, shardPath: shardPath)
        let outcome: ShardPNG.Outcome
        do {
            outcome = try ShardPNG.crop(png, x: plan.x, y: plan.y, size: plan.size, into: out, complete: whole)
        } catch let failure as ShardPNG.Failure {
            throw fail(failure.description)
        }
        switch outcome {
        case .needsMore:
            return false
        case let .cropped(width, height):
            guard width == ref.width, height == ref.height else {
                throw fail("PNG is \(width)x\(height), the index says \(ref.width)x\(ref.height)")
            }
            return true
        case .notShardFormat:
            guard whole else { return false }
        }
        let image = try Self.image(ref, png: png, shardPath: shardPath)
        let rowBytes = plan.size * 3
        image.pixels.withUnsafeBufferPointer { px in
            for row in 0..<plan.size {
                (out + row * rowBytes).update(from: px.baseAddress! + ((plan.y + row) * image.width + plan.x) * 3, count: rowBytes)
            }
        }
        return true
    }
}
