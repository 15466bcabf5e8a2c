import SISRCore
import SISREngine

/// A small strict JSON parser for safetensors headers, the one JSON reader of the project that is
/// not `Codable` (CanonicalJSON.swift states the rule). Why it exists: a safetensors header is
/// untrusted input from a downloaded file, and `JSONDecoder` silently accepts duplicate
/// keys (two entries for one tensor name, one of them ignored) and loses the members'
/// order. This parser rejects duplicate keys, keeps order, keeps numbers as their text (integers are
/// all the format uses) and bounds nesting depth. Writing a
/// header goes through `CanonicalJSON` (`Safetensors.encode`).
enum MiniJSON {
    indirect enum Value {
        case object([(String, Value)])
        case array([Value])
        case string(String)
        case number(String)
        case bool(Bool)
        case null

        var int: Int? { if case let .number(s) = self { return Int(s) } else { return nil } }
        var string: String? { if case let .string(s) = self { return s } else { return nil } }
    }

    struct Failure: Error { let message: String }

    static func parse(_ b: ArraySlice<UInt8>) throws -> Value {
        var p = Parser(b: b, i: b.startIndex, depth: 0)
        let v = try p.value()
        p.skipSpace()
        guard p.i == b.endIndex else { throw Failure(message: "extra bytes after the JSON value") }
        return v
    }

    private struct Parser {
        let b: ArraySlice<UInt8>
        var i: Int
        var depth: Int

        mutating func skipSpace() {
            while i < b.endIndex, [0x20, 0x09, 0x0A, 0x0D].contains(b[i]) { i += 1 }
        }

        mutating func expect(_ c: UInt8) throws {
            skipSpace()
            guard i < b.endIndex, b[i] == c else { throw Failure(message: "expected '\(Character(Unicode.Scalar(c)))' at byte \(i)") }
            i += 1
        }

        mutating func value() throws -> Value {
            skipSpace()
            guard i < b.endIndex else { throw Failure(message: "unexpected end of JSON") }
            switch b[i] {
            case UInt8(ascii: "{"): return try object()
            case UInt8(ascii: "["): return try array()
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return try number()
            }
        }

        mutating func literal(_ s: String) throws {
            for c in s.utf8 {
                guard i < b.endIndex, b[i] == c else { throw Failure(message: "bad literal at byte \(i)") }
                i += 1
            }
        }

        mutating func number() throws -> Value {
            let start = i
            while i < b.endIndex, "+-0123456789.eE".utf8.contains(b[i]) { i += 1 }
            guard i > start else { throw Failure(message: "unexpected byte at \(i)") }
            return .number(String(decoding: b[start..<i], as: UTF8.self))
        }

        mutating func nest() throws {
            depth += 1
            guard depth <= 64 else { throw Failure(message: "JSON nested too deeply") }
        }

        mutating func object() throws -> Value {
            try nest()
            i += 1
            var out: [(String, Value)] = [], keys = Set<String>()
            skipSpace()
            if i < b.endIndex, b[i] == UInt8(ascii: "}") { i += 1; depth -= 1; return .object(out) }
            while true {
                skipSpace()
                guard i < b.endIndex, b[i] == UInt8(ascii: "\"") else { throw Failure(message: "expected a key at byte \(i)") }
                let k = try string()
                guard keys.insert(k).inserted else { throw Failure(message: "duplicate key '\(k)'") }
                try expect(UInt8(ascii: ":"))
                out.append((k, try value()))
                skipSpace()
                guard i < b.endIndex else { throw Failure(message: "unterminated object") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                try expect(UInt8(ascii: "}"))
                depth -= 1
                return .object(out)
            }
        }

        mutating func array() throws -> Value {
            try nest()
            i += 1
            var out: [Value] = []
            skipSpace()
            if i < b.endIndex, b[i] == UInt8(ascii: "]") { i += 1; depth -= 1; return .array(out) }
            while true {
                out.append(try value())
                skipSpace()
                guard i < b.endIndex else { throw Failure(message: "unterminated array") }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                try expect(UInt8(ascii: "]"))
                depth -= 1
                return .array(out)
            }
        }

        mutating func string() throws -> String {
            i += 1
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() { scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars); raw.removeAll() }
            while i < b.endIndex {
                let c = b[i]
                i += 1
                if c == UInt8(ascii: "\"") { flush(); return String(scalars) }
                guard c >= 0x20 else { throw Failure(message: "control character in string") }
                if c != UInt8(ascii: "\\") { raw.append(c); continue }
                flush()
                guard i < b.endIndex else { break }
                let e = b[i]
                i += 1
                switch e {
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "u"):
                    var u = try hex4()
                    if (0xD800..<0xDC00).contains(u), i + 1 < b.endIndex, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        let lo = try hex4()
                        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                    }
                    guard let s = Unicode.Scalar(u) else { throw Failure(message: "bad \\u escape") }
                    scalars.append(s)
                default: scalars.append(Unicode.Scalar(e))
                }
            }
            throw Failure(message: "unterminated string")
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= b.endIndex, let v = UInt32(String(decoding: b[i..<(i + 4)], as: UTF8.self), radix: 16) else {
                throw Failure(message: "bad \\u escape")
            }
            i += 4
            return v
        }
    }
}
