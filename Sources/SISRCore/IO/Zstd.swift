import CZstd

/// zstd over libzstd (the one file that imports it).
///
/// `compress` writes exactly one frame with the content size and an XXH64 checksum, single-threaded,
/// so the same input and level always give the same bytes. `decompress` reads any number of
/// concatenated frames and verifies checksums.
public enum Zstd {
    /// The linked libzstd version, e.g. "1.5.4".
    public static var version: String { String(cString: ZSTD_versionString()) }

    /// Compresses `input` into one zstd frame at `level` (1...19; 0 means the library default).
    public static func compress(_ input: [UInt8], level: Int = 9) -> [UInt8] {
        guard let cctx = ZSTD_createCCtx() else { fatalError("zstd: out of memory") }
        defer { ZSTD_freeCCtx(cctx) }
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, Int32(level))
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1)
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 1)
        ZSTD_CCtx_setParameter(cctx, ZSTD_c_nbWorkers, 0)
        let bound = ZSTD_compressBound(input.count)
        var out = [UInt8](repeating: 0, count: bound)
        let written = out.withUnsafeMutableBytes { dst in
            input.withUnsafeBytes { src in
                ZSTD_compress2(cctx, dst.baseAddress, dst.count, src.baseAddress, src.count)
            }
        }
        if ZSTD_isError(written) != 0 {
            fatalError("zstd: compression failed: \(String(cString: ZSTD_getErrorName(written)))")
        }
        out.removeLast(out.count - written)
        return out
    }

    /// Decompresses all frames of `input`. `name` (usually the file path) is used in errors.
    /// - Parameter maxOutput: refuse to produce more than this many bytes (protects against bombs).
    public static func decompress(_ input: [UInt8], name: String = "<memory>", maxOutput: Int = 1 << 36) throws -> [UInt8] {
        guard let dctx = ZSTD_createDCtx() else { fatalError("zstd: out of memory") }
        defer { ZSTD_freeDCtx(dctx) }
        // Fast path: every frame declares its size (as ours do), so decompress in one call into a
        // buffer of exactly that size, with no zero-filling and no chunk copies.
        // Otherwise (sizes not declared, or frames that cannot be walked) stream, which also reports
        // damaged input precisely.
        let total = declaredSize(input)
        let declared = total != ZSTD_CONTENTSIZE_UNKNOWN && total != ZSTD_CONTENTSIZE_ERROR
        if declared && total > UInt64(maxOutput) {
            throw SISRError.corrupt(path: name, problem: "zstd data expands beyond \(maxOutput) bytes")
        }
        if declared {
            var failure: Int = 0
            let out = [UInt8](unsafeUninitializedCapacity: Int(total)) { buf, count in
                let r = input.withUnsafeBytes { src in
                    ZSTD_decompressDCtx(dctx, buf.baseAddress, Int(total), src.baseAddress, src.count)
                }
                if ZSTD_isError(r) != 0 || r != Int(total) {
                    failure = ZSTD_isError(r) != 0 ? r : -1
                    count = 0
                } else {
                    count = r
                }
            }
            if failure == 0 { return out }
            let why = failure == -1 ? "frames hold fewer bytes than they declare" : String(cString: ZSTD_getErrorName(failure))
            throw SISRError.corrupt(path: name, problem: "zstd data is corrupt or truncated: \(why)")
        }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var lastResult = 0
        try input.withUnsafeBytes { src in
            var inBuf = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
            while true {
                let produced: Int = try chunk.withUnsafeMutableBytes { dst in
                    var outBuf = ZSTD_outBuffer(dst: dst.baseAddress, size: dst.count, pos: 0)
                    let r = ZSTD_decompressStream(dctx, &outBuf, &inBuf)
                    if ZSTD_isError(r) != 0 {
                        throw SISRError.corrupt(path: name, problem: "zstd data is corrupt: \(String(cString: ZSTD_getErrorName(r)))")
                    }
                    lastResult = r
                    return outBuf.pos
                }
                out.append(contentsOf: chunk[0..<produced])
                if out.count > maxOutput {
                    throw SISRError.corrupt(path: name, problem: "zstd data expands beyond \(maxOutput) bytes")
                }
                if inBuf.pos == inBuf.size && produced < chunk.count { break }
            }
        }
        if lastResult != 0 {
            throw SISRError.corrupt(path: name, problem: "zstd data is truncated (the last frame is incomplete)")
        }
        return out
    }

    /// Sum of the content sizes all frames declare; `ZSTD_CONTENTSIZE_UNKNOWN` if one does not declare
    /// it, `ZSTD_CONTENTSIZE_ERROR` if the frames cannot be walked.
    static func declaredSize(_ input: [UInt8]) -> UInt64 { input.withUnsafeBytes { declaredSize($0) } }

    static func declaredSize(_ buf: UnsafeRawBufferPointer) -> UInt64 {
        guard let base = buf.baseAddress, buf.count > 0 else { return ZSTD_CONTENTSIZE_ERROR }
        var pos = 0
        var total: UInt64 = 0
        while pos < buf.count {
            let frame = ZSTD_findFrameCompressedSize(base + pos, buf.count - pos)
            if ZSTD_isError(frame) != 0 { return ZSTD_CONTENTSIZE_ERROR }
            let size = ZSTD_getFrameContentSize(base + pos, buf.count - pos)
            if size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR { return size }
            let (sum, overflow) = total.addingReportingOverflow(size)
            if overflow { return ZSTD_CONTENTSIZE_ERROR }
            total = sum
            pos += frame
        }
        return total
    }

    /// The frame starting at byte `at` of `input`: its compressed size, declared content size and
    /// whether it carries an XXH64 content checksum; nil if no complete frame that declares its size
    /// starts there.
    public static func frame(in input: UnsafeRawBufferPointer, at: Int) -> (compressed: Int, content: UInt64, checksum: Bool)? {
        guard let base = input.baseAddress, at >= 0, at < input.count else { return nil }
        let n = ZSTD_findFrameCompressedSize(base + at, input.count - at)
        guard ZSTD_isError(n) == 0, n >= 5 else { return nil }
        let size = ZSTD_getFrameContentSize(base + at, input.count - at)
        guard size != ZSTD_CONTENTSIZE_UNKNOWN, size != ZSTD_CONTENTSIZE_ERROR else { return nil }
        // Byte 4 (after the magic number) is the frame header descriptor; bit 2 the checksum flag.
        return (n, size, input[at + 4] & 0x04 != 0)
    }

    /// Number of complete frames in `input`, or nil if it is not a valid sequence of frames.
    public static func frameCount(_ input: [UInt8]) -> Int? {
        var pos = 0, frames = 0
        return input.withUnsafeBytes { buf -> Int? in
            while pos < buf.count {
                let size = ZSTD_findFrameCompressedSize(buf.baseAddress! + pos, buf.count - pos)
                if ZSTD_isError(size) != 0 { return nil }
                pos += size
                frames += 1
            }
            return frames
        }
    }
}

extension Zstd {
    /// Decompresses one frame at a time, as far as the caller needs, reusing one context and one
    /// output buffer (no allocation or page faults per frame once warmed up).
    ///
    /// ```swift
    /// let decoder = Zstd.FrameDecoder()
    /// try decoder.begin(frame, limit: 1 << 24, name: path)
    /// while decoder.produced < needed, try decoder.step(inputBytes: 1 << 17) {}
    /// // decoder.output[0..<decoder.produced]
    /// ```
    public final class FrameDecoder {
        private let dctx: OpaquePointer
        /// Output storage (grown as needed, never shrunk).
        public private(set) var output: UnsafeMutablePointer<UInt8>
        private var capacity: Int
        /// The frame's declared content size.
        public private(set) var contentSize = 0
        /// Bytes decompressed so far into `output`.
        public private(set) var produced = 0
        /// Compressed bytes consumed so far.
        public private(set) var consumed = 0
        private var input = UnsafeRawBufferPointer(start: nil, count: 0)
        private var name = ""
        private var finished = false

        public init() {
            guard let d = ZSTD_createDCtx() else { fatalError("zstd: out of memory") }
            dctx = d
            // ZSTD_d_stableOutBuffer (experimental parameter 2): zstd writes straight into `output`
            // (which holds the whole frame and stays put during a frame) instead of into an
            // internal window buffer it then copies out: one copy of every byte and ~2 MB less.
            ZSTD_DCtx_setParameter(d, ZSTD_d_experimentalParam2, 1)
            capacity = 1 << 16
            output = .allocate(capacity: capacity)
        }

        deinit {
            ZSTD_freeDCtx(dctx)
            output.deallocate()
        }

        /// Starts decoding the single frame in `frame` (which must stay valid until the last `step`).
        /// - Throws: `SISRError.corrupt` if the bytes do not start with a frame that declares a
        ///   content size of at most `limit` bytes.
        public func begin(_ frame: UnsafeRawBufferPointer, limit: Int, name: String) throws {
            self.name = name
            ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only)
            guard let base = frame.baseAddress, frame.count > 0 else { throw SISRError.corrupt(path: name, problem: "empty zstd frame") }
            let size = ZSTD_getFrameContentSize(base, frame.count)
            guard size != ZSTD_CONTENTSIZE_ERROR else { throw SISRError.corrupt(path: name, problem: "not a zstd frame") }
            guard size != ZSTD_CONTENTSIZE_UNKNOWN else { throw SISRError.corrupt(path: name, problem: "zstd frame does not declare its size") }
            guard size <= UInt64(max(limit, 0)) else {
                throw SISRError.corrupt(path: name, problem: "zstd frame declares \(size) bytes, more than the \(limit) allowed")
            }
            reserve(Int(size))
            input = frame
            produced = 0
            consumed = 0
            finished = false
        }

        /// Sets `contentSize` and makes `output` hold at least that many bytes.
        private func reserve(_ size: Int) {
            contentSize = size
            if contentSize > capacity {
                output.deallocate()
                capacity = contentSize
                output = .allocate(capacity: capacity)
            }
        }

        /// Decompresses all of `frames` (one or more whole frames whose declared sizes add up to at
        /// most `limit`) into `output` in one call, every frame's XXH64 checksum verified; afterwards
        /// `produced` is the byte count.
        /// - Throws: `SISRError.corrupt` for frames that do not declare their sizes, exceed `limit`,
        ///   are corrupt, or hold fewer bytes than they declare.
        public func decodeWhole(_ frames: UnsafeRawBufferPointer, limit: Int, name: String) throws {
            self.name = name
            guard let base = frames.baseAddress, frames.count > 0 else { throw SISRError.corrupt(path: name, problem: "empty zstd frame") }
            let total = declaredSize(frames)
            guard total != ZSTD_CONTENTSIZE_ERROR, total != ZSTD_CONTENTSIZE_UNKNOWN else {
                throw SISRError.corrupt(path: name, problem: "not a sequence of zstd frames that declare their sizes")
            }
            guard total <= UInt64(max(limit, 0)) else {
                throw SISRError.corrupt(path: name, problem: "zstd frames declare \(total) bytes, more than the \(limit) allowed")
            }
            reserve(Int(total))
            let r = ZSTD_decompressDCtx(dctx, output, contentSize, base, frames.count)
            guard ZSTD_isError(r) == 0 else {
                throw SISRError.corrupt(path: name, problem: "zstd data is corrupt: \(String(cString: ZSTD_getErrorName(r)))")
            }
            guard r == contentSize else {
                throw SISRError.corrupt(path: name, problem: "zstd frames hold \(r) bytes, they declare \(contentSize)")
            }
            produced = r
            consumed = frames.count
            finished = true
        }

        /// Feeds up to `inputBytes` more compressed bytes. Returns false once the frame is complete
        /// (its checksum verified) or the input is used up.
        /// - Throws: `SISRError.corrupt` for corrupt data, a frame larger than declared, or input that
        ///   ends before the frame does.
        @discardableResult
        public func step(inputBytes: Int) throws -> Bool {
            guard !finished else { return false }
            let end = min(input.count, consumed + max(inputBytes, 1))
            var inBuf = ZSTD_inBuffer(src: input.baseAddress, size: end, pos: consumed)
            var outBuf = ZSTD_outBuffer(dst: output, size: contentSize, pos: produced)
            let r = ZSTD_decompressStream(dctx, &outBuf, &inBuf)
            if ZSTD_isError(r) != 0 {
                throw SISRError.corrupt(path: name, problem: "zstd data is corrupt: \(String(cString: ZSTD_getErrorName(r)))")
            }
            consumed = inBuf.pos
            produced = outBuf.pos
            if r == 0 {
                finished = true
                guard produced == contentSize else {
                    throw SISRError.corrupt(path: name, problem: "zstd frame holds \(produced) bytes, it declares \(contentSize)")
                }
                return false
            }
            if consumed == input.count {
                throw SISRError.corrupt(path: name, problem: "zstd frame is truncated (\(input.count) compressed bytes end before the frame does)")
            }
            return true
        }
    }
}
