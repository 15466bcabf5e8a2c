import SISRCore

/// Crops straight out of PNG bytes in the shard format (docs/FORMAT.md: RGB8, no interlace, zlib
/// stored blocks, filter Up or None on every row) without decoding the whole image.
///
/// Stored deflate blocks are parsed (no inflate), and the Up filter is undone only in the patch's
/// columns and only down to its last row: with Up, a pixel is the byte sum (mod 256) of its column
/// above it, so rows below the patch and columns outside it are never touched.
/// Any other PNG (compressed blocks, other filters, other colour types) returns `nil` so the caller
/// falls back to the general decoder; malformed data throws.
enum ShardPNG {
    /// A piece of the raw (filtered) image stream: `count` bytes at `source` in the PNG bytes.
    private struct Segment {
        let rawStart: Int
        let source: Int
        let count: Int
    }

    /// Writes the `size x size` RGB8 patch at (`x`, `y`) into `out` (row-major, `size * 3` per row).
    /// - Returns: the image's (width, height), or nil if the bytes are not in the shard format.
    /// - Throws: a problem description (`ShardPNG.Failure`) for malformed PNG data.
    static func crop(
        _ png: UnsafeRawBufferPointer, x: Int, y: Int, size: Int, into out: UnsafeMutablePointer<UInt8>
    ) throws -> (width: Int, height: Int)? {
        let bytes = png.bindMemory(to: UInt8.self)
        guard bytes.count >= 8 + 25, bytes[0] == 0x89, bytes[1] == 0x50, bytes[2] == 0x4E, bytes[3] == 0x47 else {
            throw Failure("not a PNG file (bad signature)")
        }
        func be32(_ at: Int) -> Int {
            Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        }
        // Chunks: IHDR first, then collect the IDAT payload ranges.
        var pos = 8
        var width = 0, height = 0
        var idat = [(start: Int, count: Int)]()
        var sawEnd = false
        while pos + 12 <= bytes.count {
            let length = be32(pos)
            let type = be32(pos + 4)
            let dataStart = pos + 8
            guard length >= 0, dataStart + length + 4 <= bytes.count else { throw Failure("PNG chunk at byte \(pos) is truncated") }
            switch type {
            case 0x4948_4452:  // IHDR
                guard length == 13 else { throw Failure("IHDR has length \(length)") }
                width = be32(dataStart)
                height = be32(dataStart + 4)
                let depth = bytes[dataStart + 8], color = bytes[dataStart + 9], interlace = bytes[dataStart + 12]
                guard depth == 8, color == 2, interlace == 0 else { return nil }
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
        guard width > 0, height > 0 else { throw Failure("PNG has no valid IHDR chunk") }
        guard sawEnd else { throw Failure("PNG is truncated (no IEND chunk)") }
        guard x >= 0, y >= 0, x + size <= width, y + size <= height else {
            throw Failure("crop \(size)x\(size) at (\(x), \(y)) lies outside the \(width)x\(height) image")
        }
        guard let segments = try storedSegments(bytes, idat: idat) else { return nil }
        let stride = 1 + width * 3
        let rawTotal = segments.last.map { $0.rawStart + $0.count } ?? 0
        guard rawTotal == stride * height else {
            throw Failure("PNG image data holds \(rawTotal) bytes, expected \(stride * height) for \(width)x\(height)")
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
        return fallback ? nil : (width, height)
    }

    /// The raw stream of a zlib stream made only of stored blocks, as segments; nil if any block is compressed.
    private static func storedSegments(_ bytes: UnsafeBufferPointer<UInt8>, idat: [(start: Int, count: Int)]) throws -> [Segment]? {
        var chunk = 0, inChunk = 0
        func next() throws -> UInt8 {
            while chunk < idat.count && inChunk >= idat[chunk].count { chunk += 1; inChunk = 0 }
            guard chunk < idat.count else { throw Failure("PNG image data is truncated") }
            inChunk += 1
            return bytes[idat[chunk].start + inChunk - 1]
        }
        let cmf = try next(), flg = try next()
        guard cmf & 0x0F == 8, (Int(cmf) << 8 | Int(flg)) % 31 == 0, flg & 0x20 == 0 else {
            throw Failure("PNG image data is not a zlib stream")
        }
        var segments = [Segment]()
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
                guard chunk < idat.count else { throw Failure("PNG image data is truncated") }
                let n = min(left, idat[chunk].count - inChunk)
                segments.append(Segment(rawStart: raw, source: idat[chunk].start + inChunk, count: n))
                inChunk += n
                raw += n
                left -= n
            }
            if header & 1 == 1 { break }
        }
        return segments
    }

    /// A malformed-PNG problem; the caller adds the shard and sample names.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
