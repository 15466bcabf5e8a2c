import SISRCore

/// Crops straight out of PNG bytes in the shard format (docs/FORMAT.md: RGB8, no interlace, zlib
/// stored blocks, filter Up or None on every row) without decoding the whole image.
///
/// Stored deflate blocks are parsed (no inflate), and the Up filter is undone only in the patch's
/// columns and only down to its last row: with Up, a pixel is the byte sum (mod 256) of its column
/// above it, so rows below the patch and columns outside it are never touched.
/// Any other PNG (compressed blocks, other filters, other colour types) returns `.notShardFormat` so
/// the caller falls back to the general decoder; malformed data throws. Works on a prefix of the
/// file too (`complete: false`), which is what a partial decompression of a sample's frame gives.
enum ShardPNG {
    /// A piece of the raw (filtered) image stream: `count` bytes at `source` in the PNG bytes.
    private struct Segment {
        let rawStart: Int
        let source: Int
        let count: Int
    }

    /// What a crop attempt gave.
    enum Outcome: Equatable {
        /// The patch was written; the image's size.
        case cropped(width: Int, height: Int)
        /// Not in the shard format (compressed blocks, other filters or colour types): decode generally.
        case notShardFormat
        /// Only a prefix was given and it ends before the patch's last row.
        case needsMore
    }

    /// Writes the `size x size` RGB8 patch at (`x`, `y`) into `out` (row-major, `size * 3` per row).
    /// - Parameter complete: `png` is the whole file; otherwise it is a prefix of it (as far as a
    ///   partial decompression got) and only the rows down to the patch's last one must be present.
    /// - Throws: a problem description (`ShardPNG.Failure`) for malformed PNG data.
    static func crop(
        _ png: UnsafeRawBufferPointer, x: Int, y: Int, size: Int, into out: UnsafeMutablePointer<UInt8>, complete: Bool = true
    ) throws -> Outcome {
        let bytes = png.bindMemory(to: UInt8.self)
        guard bytes.count >= 8 + 25, bytes[0] == 0x89, bytes[1] == 0x50, bytes[2] == 0x4E, bytes[3] == 0x47 else {
            if !complete && bytes.count < 8 + 25 { return .needsMore }
            throw Failure("not a PNG file (bad signature)")
        }
        func be32(_ at: Int) -> Int {
            Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        }
        // Chunks: IHDR first, then collect the IDAT payload ranges (in a prefix, the last may be cut).
        var pos = 8
        var width = 0, height = 0
        var idat = [(start: Int, count: Int)]()
        var sawEnd = false
        while pos + 12 <= bytes.count || (!complete && pos + 8 <= bytes.count) {
            let length = be32(pos)
            let type = be32(pos + 4)
            let dataStart = pos + 8
            if dataStart + length + 4 > bytes.count {
                guard !complete, type == 0x4944_4154, width > 0 else { throw Failure("PNG chunk at byte \(pos) is truncated") }
                idat.append((dataStart, min(length, bytes.count - dataStart)))
                break
            }
            switch type {
            case 0x4948_4452:  // IHDR
                guard length == 13 else { throw Failure("IHDR has length \(length)") }
                width = be32(dataStart)
                height = be32(dataStart + 4)
                let depth = bytes[dataStart + 8], color = bytes[dataStart + 9], interlace = bytes[dataStart + 12]
                guard depth == 8, color == 2, interlace == 0 else { return .notShardFormat }
            case 0x4944_4154:  // IDAT
                idat.append((dataStart, length))
            case 0x4945_4E44:  // IEND
                sawEnd = true
            default:
                break
            }
            pos = dataStart + length + 4
            if sawEnd { break }
        }
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw Failure("PNG has no valid IHDR chunk")
        }
        guard sawEnd || !complete else { throw Failure("PNG is truncated (no IEND chunk)") }
        guard x >= 0, y >= 0, size >= 1, x <= width - size, y <= height - size else {
            throw Failure("crop \(size)x\(size) at (\(x), \(y)) lies outside the \(width)x\(height) image")
        }
        guard let segments = try storedSegments(bytes, idat: idat, complete: complete) else { return .notShardFormat }
        let stride = 1 + width * 3
        let (expected, overflow) = stride.multipliedReportingOverflow(by: height)
        guard !overflow else { throw Failure("PNG declares an impossible size \(width)x\(height)") }
        let rawTotal = segments.last.map { $0.rawStart + $0.count } ?? 0
        if complete || rawTotal > expected {
            guard rawTotal == expected else {
                throw Failure("PNG image data holds \(rawTotal) bytes, expected \(expected) for \(width)x\(height)")
            }
        } else if rawTotal < (y + size) * stride {
            return .needsMore
        }
        let rowBytes = size * 3
        var acc = [UInt8](repeating: 0, count: rowBytes)
        var scratch = [UInt8](repeating: 0, count: rowBytes)
        var cursor = 0
        // Returns a pointer to `count` raw bytes at `offset` (offsets only grow), copying if they straddle.
        func bytesAt(_ offset: Int, _ count: Int, _ scratch: UnsafeMutablePointer<UInt8>) -> UnsafePointer<UInt8> {
            while segments[cursor].rawStart + segments[cursor].count <= offset { cursor += 1 }
            let s = segments[cursor]
            let inSeg = offset - s.rawStart
            if inSeg + count <= s.count { return bytes.baseAddress! + s.source + inSeg }
            var done = 0, k = cursor
            while done < count {
                let seg = segments[k]
                let from = offset + done - seg.rawStart
                let n = min(seg.count - from, count - done)
                (scratch + done).update(from: bytes.baseAddress! + seg.source + from, count: n)
                done += n
                k += 1
            }
            return UnsafePointer(scratch)
        }
        var oneByte: UInt8 = 0
        let fallback: Bool = acc.withUnsafeMutableBufferPointer { accBuf in
            scratch.withUnsafeMutableBufferPointer { scratchBuf in
                let a = accBuf.baseAddress!
                for row in 0..<(y + size) {
                    let filter = withUnsafeMutablePointer(to: &oneByte) { bytesAt(row * stride, 1, $0).pointee }
                    let src = bytesAt(row * stride + 1 + x * 3, rowBytes, scratchBuf.baseAddress!)
                    switch filter {
                    case 2: for i in 0..<rowBytes { a[i] &+= src[i] }
                    case 0: a.update(from: src, count: rowBytes)
                    default: return true
                    }
                    if row >= y { (out + (row - y) * rowBytes).update(from: a, count: rowBytes) }
                }
                return false
            }
        }
        return fallback ? .notShardFormat : .cropped(width: width, height: height)
    }

    /// The raw stream of a zlib stream made only of stored blocks, as segments; nil if any block is
    /// compressed. With `complete` false the data may end anywhere: the segments cover what is there.
    private static func storedSegments(_ bytes: UnsafeBufferPointer<UInt8>, idat: [(start: Int, count: Int)], complete: Bool) throws -> [Segment]? {
        var chunk = 0, inChunk = 0
        struct EndOfData: Error {}
        func next() throws -> UInt8 {
            while chunk < idat.count && inChunk >= idat[chunk].count { chunk += 1; inChunk = 0 }
            guard chunk < idat.count else {
                if complete { throw Failure("PNG image data is truncated") }
                throw EndOfData()
            }
            inChunk += 1
            return bytes[idat[chunk].start + inChunk - 1]
        }
        var segments = [Segment]()
        do {
            let cmf = try next(), flg = try next()
            guard cmf & 0x0F == 8, (Int(cmf) << 8 | Int(flg)) % 31 == 0, flg & 0x20 == 0 else {
                throw Failure("PNG image data is not a zlib stream")
            }
            var raw = 0
            while true {
                let header = try next()
                guard (header >> 1) & 3 == 0 else { return nil }  // compressed block: not the shard format
                let len = Int(try next()) | Int(try next()) << 8
                let nlen = Int(try next()) | Int(try next()) << 8
                guard len == nlen ^ 0xFFFF else { throw Failure("stored deflate block has inconsistent length fields") }
                var left = len
                while left > 0 {
                    while chunk < idat.count && inChunk >= idat[chunk].count { chunk += 1; inChunk = 0 }
                    guard chunk < idat.count else {
                        if complete { throw Failure("PNG image data is truncated") }
                        return segments
                    }
                    let n = min(left, idat[chunk].count - inChunk)
                    segments.append(Segment(rawStart: raw, source: idat[chunk].start + inChunk, count: n))
                    inChunk += n
                    raw += n
                    left -= n
                }
                if header & 1 == 1 { break }
            }
        } catch is EndOfData {
            return segments
        }
        return segments
    }

    /// A malformed-PNG problem; the caller adds the shard and sample names.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
