import SISREngine
/// Bounds-checked little-endian reads over a byte array. Every read past `end` throws
/// `WeightError.truncated` naming the file and what was being read.
struct ByteCursor {
    let bytes: [UInt8]
    var pos: Int
    let end: Int
    let path: String

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil, path: String) {
        self.bytes = bytes
        self.pos = start
        self.end = min(end ?? bytes.count, bytes.count)
        self.path = path
    }

    var remaining: Int { end - pos }

    mutating func need(_ n: Int, _ what: @autoclosure () -> String) throws {
        guard n >= 0, n <= end - pos else { throw WeightError.truncated(path: path, what: what()) }
    }

    mutating func u8(_ what: @autoclosure () -> String = "byte") throws -> UInt8 {
        try need(1, what())
        defer { pos += 1 }
        return bytes[pos]
    }

    mutating func take(_ n: Int, _ what: @autoclosure () -> String = "data") throws -> ArraySlice<UInt8> {
        try need(n, what())
        defer { pos += n }
        return bytes[pos..<(pos + n)]
    }

    /// Unsigned little-endian integer of `n` <= 8 bytes.
    mutating func uintLE(_ n: Int, _ what: @autoclosure () -> String = "integer") throws -> UInt64 {
        try need(n, what())
        let v = Self.uintLE(bytes, at: pos, count: n)
        pos += n
        return v
    }

    /// Reads a line ending in '\n' (text pickle opcodes); the newline is consumed, not returned.
    mutating func line(_ what: @autoclosure () -> String = "text line") throws -> ArraySlice<UInt8> {
        var i = pos
        while i < end && bytes[i] != 0x0A { i += 1 }
        guard i < end else { throw WeightError.truncated(path: path, what: what()) }
        defer { pos = i + 1 }
        return bytes[pos..<i]
    }

    static func uintLE(_ b: [UInt8], at p: Int, count n: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<n { v |= UInt64(b[p + k]) << (8 * UInt64(k)) }
        return v
    }

    /// Little-endian unsigned read at an absolute offset, bounds-checked against the whole array.
    static func readLE(_ b: [UInt8], at p: Int, count n: Int, path: String, what: String) throws -> UInt64 {
        guard p >= 0, n <= b.count, p <= b.count - n else { throw WeightError.truncated(path: path, what: what) }
        return uintLE(b, at: p, count: n)
    }
}
