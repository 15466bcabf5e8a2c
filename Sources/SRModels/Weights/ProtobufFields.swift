/// A bounds-checked walker over protobuf wire-format fields (and LevelDB varints), for the
/// TensorFlow checkpoint reader. Every read past the slice throws `WeightError` naming the file.
struct ProtobufReader {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        /// A length-delimited field: `start..<end` in the underlying bytes.
        case bytes(Range<Int>)
    }

    let bytes: [UInt8]
    var pos: Int
    let end: Int
    let path: String
    let what: String

    init(_ bytes: [UInt8], _ range: Range<Int>, path: String, what: String) {
        self.bytes = bytes
        pos = range.lowerBound
        end = min(range.upperBound, bytes.count)
        self.path = path
        self.what = what
    }

    var atEnd: Bool { pos >= end }

    private func corrupt(_ problem: String) -> WeightError { .corrupt(path: path, problem: "\(what): \(problem)") }

    /// A base-128 varint of at most 10 bytes (64 bits).
    mutating func varint() throws -> UInt64 {
        var v: UInt64 = 0, shift: UInt64 = 0
        while true {
            guard pos < end else { throw WeightError.truncated(path: path, what: "\(what): varint") }
            let b = bytes[pos]
            pos += 1
            guard shift < 64, shift < 63 || b <= 1 else { throw corrupt("varint longer than 64 bits") }
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }

    /// A varint that must fit in a non-negative Int no larger than `limit`.
    mutating func length(limit: Int) throws -> Int {
        let v = try varint()
        guard v <= UInt64(limit) else { throw corrupt("length \(v) exceeds the \(limit) bytes available") }
        return Int(v)
    }

    /// The next field: its number and value.
    mutating func field() throws -> (number: Int, value: Value) {
        let key = try varint()
        let number = Int(key >> 3)
        guard number > 0, number < 1 << 29 else { throw corrupt("bad field number \(number)") }
        switch key & 7 {
        case 0: return (number, .varint(try varint()))
        case 1: return (number, .fixed64(try fixed(8)))
        case 5: return (number, .fixed32(UInt32(try fixed(4))))
        case 2:
            let n = try length(limit: end - pos)
            defer { pos += n }
            return (number, .bytes(pos..<(pos + n)))
        default: throw corrupt("unsupported wire type \(key & 7) for field \(number)")
        }
    }

    private mutating func fixed(_ n: Int) throws -> UInt64 {
        guard n <= end - pos else { throw WeightError.truncated(path: path, what: "\(what): fixed\(8 * n)") }
        defer { pos += n }
        return ByteCursor.uintLE(bytes, at: pos, count: n)
    }

    /// A reader over a length-delimited field's bytes.
    func sub(_ range: Range<Int>, _ what: String) -> ProtobufReader {
        ProtobufReader(bytes, range, path: path, what: "\(self.what) > \(what)")
    }

    /// The UTF-8 text of a length-delimited field.
    func string(_ range: Range<Int>) throws -> String {
        guard let s = String(validating: bytes[range], as: UTF8.self) else { throw corrupt("a name is not UTF-8") }
        return s
    }

    /// Every field from the current position to the end (the reader itself is not advanced).
    func fields() throws -> [(number: Int, value: Value)] {
        var r = self, out: [(number: Int, value: Value)] = []
        while !r.atEnd { out.append(try r.field()) }
        return out
    }
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as LevelDB tables use it.
enum CRC32C {
    static let table: [UInt32] = (0..<256).map { i in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0x82F6_3B78 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    /// LevelDB's masked form stored in block trailers.
    static func masked(_ crc: UInt32) -> UInt32 { ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8 }
}
