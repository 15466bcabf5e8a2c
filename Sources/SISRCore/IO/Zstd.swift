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
        var out = [UInt8]()
        let declared = input.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        if declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != ZSTD_CONTENTSIZE_ERROR && declared < UInt64(maxOutput) {
            out.reserveCapacity(Int(declared))
        }
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
