import Foundation
import SISRCore

/// Reads single samples of format-2 and format-3 shards (one zstd frame per sample, or per band), one thread's worth: its
/// buffers and zstd context are reused from sample to sample, so memory stays at about
/// (largest frame + largest sample's tar bytes + one zstd window) per thread, whatever the corpus.
///
/// For a patch it reads the sample's frame with `pread`, hashes it while decompressing (SHA-256 of
/// the compressed bytes against `frame_sha256`, when verifying), and decompresses only as far as the
/// patch's last row: with the Up filter, rows below the patch are never needed.
///
/// Format 3 (one frame per band of rows) is read by ``cropBands(_:shard:plan:bandRows:verifySHA256:into:)``
/// (BandReader.swift): only the bands the patch touches are decompressed.
final class FrameReader {
    let decoder = Zstd.FrameDecoder()
    var buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 64)
    private var capacity = 1 << 16
    private var fd: Int32 = -1
    private var fdShard = -1
    private(set) var fileSize = 0
    /// Compressed bytes fed to zstd per step (so decompression can stop soon after the needed rows).
    static let step = 1 << 17

    deinit {
        if fd >= 0 { close(fd) }
        buffer.deallocate()
    }

    /// Writes the patch `plan` of `ref` into `out`.
    /// - Throws: ``LoaderError`` naming the shard and sample (bad frame position, hash mismatch,
    ///   corrupt data, index and shard disagreeing).
    func crop(_ ref: SampleRef, shard: ShardInfo, plan: CropPlan, verify: Bool, verifySHA256: Bool = false,
              into out: UnsafeMutablePointer<UInt8>) throws {
        if let rows = shard.bandRows {
            return try cropBands(ref, shard: shard, plan: plan, bandRows: rows, verifySHA256: verifySHA256, into: out)
        }
        try withFrame(ref, shard: shard, verify: verify) { (fail) -> Void in
            // The frame starts at the .png member's tar header; estimate the bytes down to the
            // patch's last row (stored blocks and chunk headers add well under 1/64).
            let (stride, o1) = ref.width.multipliedReportingOverflow(by: 3)
            let (raw, o2) = (stride + 1).multipliedReportingOverflow(by: plan.y + plan.size)
            var needed = o1 || o2 || raw > Int.max / 2 ? Int.max : 512 + 64 + raw + raw / 64 + 4096
            while true {
                try decode(upTo: needed)
                let bytes = UnsafeRawBufferPointer(start: decoder.output, count: decoder.produced)
                if try SampleReader.crop(ref, bytes: bytes, base: ref.pngOffset - 512, complete: decoder.produced == decoder.contentSize,
                                         shardPath: shard.path, plan: plan, into: out) {
                    return
                }
                guard decoder.produced < decoder.contentSize else { throw fail("PNG member does not fit in its frame") }
                needed = decoder.contentSize
            }
        }
    }

    /// Runs `body` with the PNG member's bytes of `ref` (decompresses the whole frame; the member's
    /// tar header must name `<key>.png`). The bytes are valid only inside `body`.
    func withPNG<T>(_ ref: SampleRef, shard: ShardInfo, verify: Bool, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        if shard.bandRows != nil { return try withBandedPNG(ref, shard: shard, verify: verify, body) }
        return try withFrame(ref, shard: shard, verify: verify) { (fail) -> T in
            try decode(upTo: Int.max)
            let bytes = UnsafeRawBufferPointer(start: decoder.output, count: decoder.produced)
            return try body(try SampleReader.member(ref, bytes: bytes, base: ref.pngOffset - 512, shardPath: shard.path).png)
        }
    }

    /// The PNG member's bytes of `ref`.
    func png(_ ref: SampleRef, shard: ShardInfo, verify: Bool) throws -> [UInt8] {
        try withPNG(ref, shard: shard, verify: verify) { Array($0) }
    }

    private var hasher: SHA256Hasher?
    private var hashed = 0
    private var frameCount = 0

    /// Reads `ref`'s frame, starts decoding it, runs `body`, then finishes the hash and compares it.
    private func withFrame<T>(_ ref: SampleRef, shard: ShardInfo, verify: Bool, _ body: (_ fail: (String) -> LoaderError) throws -> T) throws -> T {
        func fail(_ problem: String) -> LoaderError { .sample(shard: shard.path, key: ref.key, problem: problem) }
        let (size, sha) = try readSampleFrames(ref, shard: shard)
        frameCount = size
        hasher = verify ? SHA256Hasher() : nil
        hashed = 0
        func checkHash() throws {
            guard var h = hasher else { return }
            if hashed < frameCount { h.update(UnsafeRawBufferPointer(start: buffer + hashed, count: frameCount - hashed)) }
            hasher = nil
            let actual = h.finalizeHex()
            guard actual == sha else {
                throw fail("zstd frame SHA-256 mismatch: file has \(actual), index.jsonl says \(sha); refusing the sample")
            }
        }
        let result: T
        do {
            try decoder.begin(UnsafeRawBufferPointer(start: buffer, count: size), limit: shard.tarBytes, name: shard.path)
            // The frame holds tar bytes from the .png header on: they must lie inside the shard's tar,
            // and the PNG member inside the frame.
            guard Range(offset: ref.pngOffset - 512, size: decoder.contentSize, within: shard.tarBytes) != nil,
                  Range(offset: 512, size: ref.pngSize, within: decoder.contentSize) != nil, ref.pngSize > 0 else {
                throw fail("PNG member (\(ref.pngSize) bytes at \(ref.pngOffset)) does not fit in its \(decoder.contentSize)-byte frame inside the \(shard.tarBytes)-byte tar (bad index?)")
            }
            result = try body(fail)
        } catch {
            try checkHash()  // a corrupt frame is reported as such when its hash says so
            if let e = error as? LoaderError { throw e }
            throw fail("\(error)")
        }
        try checkHash()
        return result
    }

    /// Reads `ref`'s frames (formats 2 and 3: the index's `frame_offset`, `frame_size`) into
    /// `buffer`, after checking that they lie inside the shard file; returns their size and the
    /// index's `frame_sha256`. With `prefix`, only the first `prefix` bytes are read (the buffer
    /// holds room for all; ``readFrame(_:at:_:from:)`` reads the rest).
    func readSampleFrames(_ ref: SampleRef, shard: ShardInfo, prefix: Int? = nil) throws -> (size: Int, sha256: String) {
        func fail(_ problem: String) -> LoaderError { .sample(shard: shard.path, key: ref.key, problem: problem) }
        guard let offset = ref.frameOffset, let size = ref.frameSize, let sha = ref.frameSHA256 else {
            throw fail("index.jsonl gives no frame_offset/frame_size/frame_sha256 (needed for formats 2 and 3)")
        }
        try openShard(shard, ref.shard)
        guard size > 0, Range(offset: offset, size: size, within: fileSize) != nil else {
            throw fail("zstd frames (\(size) bytes at \(offset)) lie outside the \(fileSize)-byte shard file (truncated shard or bad index?)")
        }
        guard ref.pngOffset >= 512 else { throw fail("png_offset \(ref.pngOffset) is before the first tar header") }
        if let prefix, prefix < size {
            reserveBuffer(size)
            try readFrame(prefix, at: offset, shard)
        } else {
            try readFrame(size, at: offset, shard)
        }
        return (size, sha)
    }

    /// Decompresses until at least `target` bytes are out (or the frame ends), hashing the
    /// compressed bytes as they are consumed.
    private func decode(upTo target: Int) throws {
        while decoder.produced < min(target, decoder.contentSize) {
            let more = try decoder.step(inputBytes: Self.step)
            if var h = hasher, decoder.consumed > hashed {
                h.update(UnsafeRawBufferPointer(start: buffer + hashed, count: decoder.consumed - hashed))
                hasher = h
                hashed = decoder.consumed
            }
            if !more { break }
        }
    }

    /// Asks the kernel to start reading `ref`'s frame now (`POSIX_FADV_WILLNEED`), so that the disk
    /// works on coming samples while this thread decodes; errors are left to the real read.
    func prefetch(_ ref: SampleRef, shard: ShardInfo) {
        guard let offset = ref.frameOffset, let size = ref.frameSize, offset >= 0, size > 0 else { return }
        let f = fdShard == ref.shard && fd >= 0 ? fd : open(shard.url.path, O_RDONLY)
        guard f >= 0 else { return }
        _ = posix_fadvise(f, off_t(offset), off_t(size), Int32(POSIX_FADV_WILLNEED))
        if f != fd { close(f) }
    }

    func openShard(_ shard: ShardInfo, _ index: Int) throws {
        if fdShard == index && fd >= 0 { return }
        if fd >= 0 { close(fd); fd = -1; fdShard = -1 }
        let f = open(shard.url.path, O_RDONLY)
        guard f >= 0 else { throw LoaderError.shard(path: shard.path, problem: "cannot open \(shard.url.path) (\(String(cString: strerror(errno))))") }
        var info = stat()
        guard fstat(f, &info) == 0 else {
            close(f)
            throw LoaderError.shard(path: shard.path, problem: "cannot stat \(shard.url.path) (\(String(cString: strerror(errno))))")
        }
        fd = f
        fdShard = index
        fileSize = Int(info.st_size)
    }

    /// Makes `buffer` hold at least `count` bytes (its content is lost when it grows).
    func reserveBuffer(_ count: Int) {
        if count > capacity {
            buffer.deallocate()
            capacity = count
            buffer = .allocate(byteCount: count, alignment: 64)
        }
    }

    /// Reads bytes `from ..< count` of the `count` bytes at file `offset` into the same place of
    /// `buffer` (which must hold `count` bytes when `from` is not 0).
    func readFrame(_ count: Int, at offset: Int, _ shard: ShardInfo, from: Int = 0) throws {
        if from == 0 { reserveBuffer(count) }
        precondition(count <= capacity, "FrameReader: read past the buffer")
        var done = from
        while done < count {
            let n = pread(fd, buffer + done, count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw LoaderError.shard(path: shard.path, problem: "cannot read \(shard.url.path) (\(n == 0 ? "file shrank while reading" : String(cString: strerror(errno))))")
            }
            done += n
        }
    }
}
