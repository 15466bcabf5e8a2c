/// The PNG member of format 3 (docs/FORMAT.md, "Bands"): an ordinary RGB8 PNG whose rows are cut
/// into bands of `bandRows` rows so that each band can be read without the bands above it.
///
///     signature, IHDR,
///     IDAT (2 bytes: the zlib header 78 01),
///     one IDAT per band: the band's filtered rows (first row filter None, the others Up) as stored
///       deflate blocks of 65535 bytes (the last one shorter; BFINAL only on the image's last block),
///     IDAT (4 bytes: the zlib Adler-32 of all filtered rows), IEND
///
/// Any PNG reader decodes it (one zlib stream split over several IDAT chunks, per-row filter types).
/// The shard writer cuts the tar into zstd frames at the IDAT boundaries (``layout(_:)``).
public enum BandedPNG {
    /// Largest stored deflate block.
    public static let blockBytes = 65535

    /// Encodes `image` with bands of `bandRows` rows. The same pixels always give the same bytes.
    public static func encode(_ image: RGBImage, bandRows: Int) -> [UInt8] {
        precondition(image.width > 0 && image.height > 0, "cannot encode an empty image")
        precondition(bandRows >= 1, "bands need at least one row")
        let w = image.width, h = image.height, stride = 1 + 3 * w
        var out = head(width: w, height: h)
        out.reserveCapacity(size(width: w, height: h, bandRows: bandRows))
        var adler = Adler32()
        var raw = [UInt8](repeating: 0, count: min(bandRows, h) * stride)
        image.pixels.withUnsafeBufferPointer { px in
            var top = 0
            while top < h {
                let rows = min(bandRows, h - top)
                let count = rows * stride
                raw.withUnsafeMutableBufferPointer { r in
                    for row in 0..<rows {
                        let y = top + row
                        let dst = row * stride
                        let src = y * 3 * w
                        if row == 0 {
                            r[dst] = 0
                            for i in 0..<(3 * w) { r[dst + 1 + i] = px[src + i] }
                        } else {
                            r[dst] = 2
                            for i in 0..<(3 * w) { r[dst + 1 + i] = px[src + i] &- px[src - 3 * w + i] }
                        }
                    }
                }
                adler.update(raw, count: count)
                let last = top + rows == h
                var payload = [UInt8]()
                payload.reserveCapacity(count + (count / blockBytes + 1) * 5)
                var at = 0
                while at < count {
                    let n = min(blockBytes, count - at)
                    payload.append(last && at + n == count ? 1 : 0)
                    payload += [UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
                    payload += raw[at..<(at + n)]
                    at += n
                }
                out.appendChunk("IDAT", payload)
                top += rows
            }
        }
        var tail = [UInt8]()
        tail.appendBE32(Int(adler.value))
        out.appendChunk("IDAT", tail)
        out.appendChunk("IEND", [])
        return out
    }

    /// Bytes before band 0's IDAT: signature, IHDR and the IDAT holding the zlib header.
    public static let headBytes = 8 + 25 + 14

    /// The first ``headBytes`` bytes of every banded PNG `width` x `height`.
    public static func head(width: Int, height: Int) -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr = [UInt8]()
        ihdr.appendBE32(width)
        ihdr.appendBE32(height)
        ihdr += [8, 2, 0, 0, 0]  // 8-bit, RGB, deflate, adaptive filtering, no interlace
        out.appendChunk("IHDR", ihdr)
        out.appendChunk("IDAT", [0x78, 0x01])
        return out
    }

    /// The byte size of the banded PNG of a `width` x `height` image.
    public static func size(width: Int, height: Int, bandRows: Int) -> Int {
        let full = height / bandRows, rest = height % bandRows
        return headBytes + full * bandChunkBytes(width: width, rows: bandRows)
            + (rest > 0 ? bandChunkBytes(width: width, rows: rest) : 0) + 16 + 12
    }

    /// Number of bands of an image `height` rows high.
    public static func bandCount(height: Int, bandRows: Int) -> Int { (height + bandRows - 1) / bandRows }

    /// Bytes of the IDAT chunk (length, type, data, CRC) of a band of `rows` rows `width` pixels wide.
    public static func bandChunkBytes(width: Int, rows: Int) -> Int {
        let raw = rows * (1 + 3 * width)
        return 12 + raw + 5 * ((raw + blockBytes - 1) / blockBytes)
    }

    /// Why the ``bandChunkBytes(width:rows:)`` bytes at `chunk` are not the IDAT chunk of a band of
    /// `rows` rows `width` pixels wide, or nil: its length and type, every stored deflate block
    /// header (BFINAL only on the image's last block) and every row's filter byte (None on the
    /// band's first row, Up on the others). The CRC is left to the decoder. The one check of a band's
    /// layout, for the writer's cuts, `sisr verify` and the loader's crops.
    public static func bandChunkProblem(_ chunk: UnsafePointer<UInt8>, width: Int, rows: Int, isLastBand: Bool) -> String? {
        func be32(_ at: Int) -> Int { Int(chunk[at]) << 24 | Int(chunk[at + 1]) << 16 | Int(chunk[at + 2]) << 8 | Int(chunk[at + 3]) }
        let chunkBytes = bandChunkBytes(width: width, rows: rows)
        guard be32(0) == chunkBytes - 12, be32(4) == 0x4944_4154 else {
            return "does not start with its IDAT chunk of \(chunkBytes - 12) bytes"
        }
        let stride = 1 + 3 * width, raw = rows * stride
        let blocks = (raw + blockBytes - 1) / blockBytes
        for k in 0..<blocks {
            let at = 8 + k * (blockBytes + 5), n = min(blockBytes, raw - k * blockBytes)
            let final: UInt8 = isLastBand && k == blocks - 1 ? 1 : 0
            guard chunk[at] == final, Int(chunk[at + 1]) | Int(chunk[at + 2]) << 8 == n,
                  Int(chunk[at + 3]) | Int(chunk[at + 4]) << 8 == n ^ 0xFFFF else {
                return "stored deflate block \(k) is not the \(n)-byte block the format needs"
            }
        }
        for r in 0..<rows {
            let filter = chunk[rawByteOffset(r * stride)]
            guard filter == (r == 0 ? 0 : 2) else {
                return "row \(r) has PNG filter \(filter); format 3 needs None on a band's first row and Up on the others"
            }
        }
        return nil
    }

    /// Position inside a band's IDAT chunk of the band's filtered byte `r` (past the chunk header and
    /// the stored-block headers before it).
    public static func rawByteOffset(_ r: Int) -> Int { 8 + (r / blockBytes) * (blockBytes + 5) + 5 + r % blockBytes }

    /// Byte offsets inside the PNG where the shard writer cuts frames: the end of the zlib-header
    /// IDAT (where band 0's IDAT starts), the start of every further band's IDAT, and the start of
    /// the Adler-32 IDAT (where the tail begins): `bands + 1` offsets in increasing order.
    /// - Throws: `SISRError.corrupt` if the bytes are not a banded PNG of `bandRows` rows per band:
    ///   chunk layout, block lengths, BFINAL and the row filters are all checked (CRCs and the
    ///   Adler-32 are left to the decoder).
    public static func layout(_ png: [UInt8], bandRows: Int, name: String = "<memory>") throws -> [Int] {
        func fail(_ problem: String) -> SISRError { .corrupt(path: name, problem: "not a format-3 banded PNG: \(problem)") }
        func be32(_ p: Int) -> Int { Int(png[p]) << 24 | Int(png[p + 1]) << 16 | Int(png[p + 2]) << 8 | Int(png[p + 3]) }
        func chunk(at p: Int) throws -> (type: String, length: Int) {
            guard p + 12 <= png.count else { throw fail("truncated at byte \(p)") }
            let length = be32(p)
            guard length <= png.count - p - 12 else { throw fail("chunk at byte \(p) runs past the end") }
            return (String(decoding: png[(p + 4)..<(p + 8)], as: UTF8.self), length)
        }
        guard bandRows >= 1, png.count >= 8 + 25 + 14, png[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw fail("bad signature")
        }
        let ihdr = try chunk(at: 8)
        guard ihdr.type == "IHDR", ihdr.length == 13, png[24] == 8, png[25] == 2, png[28] == 0 else { throw fail("IHDR is not RGB8 without interlace") }
        let width = be32(16), height = be32(20)
        guard width >= 1, height >= 1, width <= 1 << 24, height <= 1 << 24 else { throw fail("IHDR size \(width)x\(height)") }
        let head = try chunk(at: 33)
        guard head.type == "IDAT", head.length == 2, png[41] == 0x78, png[42] == 0x01 else { throw fail("the first IDAT is not the 2-byte zlib header 78 01") }
        var pos = 33 + 14
        var cuts = [pos]
        let bands = bandCount(height: height, bandRows: bandRows)
        for band in 0..<bands {
            let rows = min(bandRows, height - band * bandRows)
            let c = try chunk(at: pos)
            guard c.type == "IDAT", c.length + 12 == bandChunkBytes(width: width, rows: rows) else {
                throw fail("band \(band) is not one IDAT of \(bandChunkBytes(width: width, rows: rows) - 12) bytes")
            }
            let problem = png.withUnsafeBufferPointer {
                bandChunkProblem($0.baseAddress! + pos, width: width, rows: rows, isLastBand: band == bands - 1)
            }
            if let problem { throw fail("band \(band): \(problem)") }
            pos += 12 + c.length
            cuts.append(pos)
        }
        let adler = try chunk(at: pos)
        guard adler.type == "IDAT", adler.length == 4 else { throw fail("no 4-byte Adler-32 IDAT after the last band") }
        let end = try chunk(at: pos + 16)
        guard end.type == "IEND", end.length == 0, pos + 16 + 12 == png.count else { throw fail("does not end with IEND") }
        return cuts
    }
}

/// zlib's Adler-32.
struct Adler32 {
    private var a: UInt32 = 1, b: UInt32 = 0
    var value: UInt32 { b << 16 | a }

    mutating func update(_ bytes: [UInt8], count: Int) {
        bytes.withUnsafeBufferPointer { p in
            var i = 0
            while i < count {
                let n = min(5552, count - i)  // largest run without overflow before the modulo
                for k in i..<(i + n) {
                    a &+= UInt32(p[k])
                    b &+= a
                }
                a %= 65521
                b %= 65521
                i += n
            }
        }
    }
}

extension [UInt8] {
    mutating func appendBE32(_ v: Int) {
        append(contentsOf: [UInt8((v >> 24) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)])
    }

    /// Appends a PNG chunk: length, type, data, CRC-32 of type and data.
    mutating func appendChunk(_ type: String, _ data: [UInt8]) {
        appendBE32(data.count)
        let start = count
        append(contentsOf: Array(type.utf8))
        append(contentsOf: data)
        let crc = withUnsafeBufferPointer { CRC32.checksum(UnsafeBufferPointer(rebasing: $0[start...])) }
        appendBE32(Int(crc))
    }
}
