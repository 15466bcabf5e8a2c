import Foundation

/// A JSON value, used to write canonical bytes and to hold free-form objects (architecture configs).
public enum JSONValue: Sendable, Equatable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case let .bool(b): try c.encode(b)
        case let .int(i): try c.encode(i)
        case let .double(d): try c.encode(d)
        case let .string(s): try c.encode(s)
        case let .array(a): try c.encode(a)
        case let .object(o): try c.encode(o)
        }
    }

    public var description: String { CanonicalJSON.string(self) }

    /// The value as a string when it is one.
    public var stringValue: String? { if case let .string(s) = self { return s } else { return nil } }
    /// The value as an integer when it is an integral number.
    public var intValue: Int? {
        switch self {
        case let .int(i): return Int(exactly: i)
        case let .double(d): return d.rounded() == d ? Int(exactly: d) : nil
        default: return nil
        }
    }
    /// The value as a double when it is a number.
    public var doubleValue: Double? {
        switch self {
        case let .int(i): return Double(i)
        case let .double(d): return d
        default: return nil
        }
    }
    /// The value as a boolean when it is one.
    public var boolValue: Bool? { if case let .bool(b) = self { return b } else { return nil } }
    /// The elements when the value is an array.
    public var arrayValue: [JSONValue]? { if case let .array(a) = self { return a } else { return nil } }
    /// The members when the value is an object.
    public var objectValue: [String: JSONValue]? { if case let .object(o) = self { return o } else { return nil } }
    /// Member lookup for objects (nil otherwise).
    public subscript(key: String) -> JSONValue? {
        if case let .object(o) = self { return o[key] } else { return nil }
    }
}

/// Canonical JSON bytes: object keys sorted by their UTF-8 bytes, no insignificant whitespace
/// (or, in pretty mode, two-space indentation, `", "`-free line breaks and `": "`), integral numbers
/// written without a fraction, other doubles in Swift's shortest round-trip form, strings escaped as
/// Python's `json.dumps(..., ensure_ascii=False)` does. The same value always gives the same bytes.
///
/// Used for the `.json` member of every sample, every `index.jsonl` line (compact) and the release's
/// human-readable files (`manifest.json`, `zoo.json`, ... pretty, with a final newline).
///
/// The project's JSON story: every JSON file or string the project writes is made here (release
/// files, predictions, safetensors headers, the C ABI's answers, benchmark results); everything it
/// reads is decoded with `Codable` (``decode(_:from:path:)``, or ``JSONValue`` for free-form objects).
/// Two exceptions, each documented where it is: `SRModels`' `MiniJSON`, a strict parser for
/// safetensors headers, which are untrusted input whose key order and duplicate keys matter; and
/// `sisr evaluate --out`, whose published report layout is `JSONEncoder`'s.
public enum CanonicalJSON {
    /// How doubles are spelled. `.canonical` (release files): integral values without a fraction
    /// (`30`), others in Swift's shortest round-trip form. `.swiftShortest` (predictions files):
    /// every double in Swift's shortest round-trip form, integral ones with `.0` (`1.0`, `0.25`).
    /// Integers (``JSONValue/int(_:)``) are written as integers in both.
    public enum Doubles: Sendable { case canonical, swiftShortest }

    /// A JSON object whose members keep the order given, for formats that fix one (a safetensors
    /// header lists `dtype`, `shape`, `data_offsets` in that order). Values are written compactly.
    public indirect enum Ordered: Sendable {
        case value(JSONValue)
        case object([(key: String, value: Ordered)])
    }

    /// Compact text of an ``Ordered`` value.
    public static func string(_ value: Ordered) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    private static func write(_ v: Ordered, into out: inout String) {
        switch v {
        case let .value(j): write(j, into: &out, pretty: false, indent: 0, doubles: .canonical)
        case let .object(members):
            out += "{"
            for (i, m) in members.enumerated() {
                if i > 0 { out += "," }
                escape(m.key, into: &out)
                out += ":"
                write(m.value, into: &out)
            }
            out += "}"
        }
    }

    /// Compact canonical bytes of any `Encodable` value.
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws -> [UInt8] {
        Array(string(try toValue(value), pretty: pretty).utf8)
    }

    /// Converts an `Encodable` value to a ``JSONValue`` tree (through `JSONEncoder`).
    public static func toValue<T: Encodable>(_ value: T) throws -> JSONValue {
        if let v = value as? JSONValue { return v }
        let data = try JSONEncoder().encode(value)
        return try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Decodes `bytes` as `T`; errors name `path` and the decoding problem.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], path: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw SISRError.corrupt(path: path, problem: "missing key \"\(key.stringValue)\"" + where_(ctx))
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw SISRError.corrupt(path: path, problem: "wrong value type" + where_(ctx) + ": \(ctx.debugDescription)")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw SISRError.corrupt(path: path, problem: "missing value" + where_(ctx))
        } catch let DecodingError.dataCorrupted(ctx) {
            throw SISRError.corrupt(path: path, problem: "invalid JSON" + where_(ctx) + ": \(ctx.debugDescription)")
        } catch {
            throw SISRError.corrupt(path: path, problem: "cannot decode JSON (\(error))")
        }
    }

    private static func where_(_ ctx: DecodingError.Context) -> String {
        let p = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        return p.isEmpty ? "" : " at \(p)"
    }

    /// The canonical text of a value.
    public static func string(_ value: JSONValue, pretty: Bool = false, doubles: Doubles = .canonical) -> String {
        var out = ""
        write(value, into: &out, pretty: pretty, indent: 0, doubles: doubles)
        if pretty { out += "\n" }
        return out
    }

    private static func write(_ v: JSONValue, into out: inout String, pretty: Bool, indent: Int, doubles: Doubles) {
        switch v {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d): out += doubles == .canonical ? number(d) : shortest(d)
        case let .string(s): escape(s, into: &out)
        case let .array(a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (i, e) in a.enumerated() {
                if i > 0 { out += "," }
                if pretty { newline(&out, indent + 1) }
                write(e, into: &out, pretty: pretty, indent: indent + 1, doubles: doubles)
            }
            if pretty { newline(&out, indent) }
            out += "]"
        case let .object(o):
            if o.isEmpty { out += "{}"; return }
            out += "{"
            let keys = o.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            for (i, k) in keys.enumerated() {
                if i > 0 { out += "," }
                if pretty { newline(&out, indent + 1) }
                escape(k, into: &out)
                out += pretty ? ": " : ":"
                write(o[k]!, into: &out, pretty: pretty, indent: indent + 1, doubles: doubles)
            }
            if pretty { newline(&out, indent) }
            out += "}"
        }
    }

    private static func newline(_ out: inout String, _ indent: Int) {
        out += "\n" + String(repeating: "  ", count: indent)
    }

    /// Integral values (|x| < 2^53) without a fraction; others in shortest round-trip form.
    static func number(_ d: Double) -> String {
        precondition(d.isFinite, "JSON cannot hold \(d)")
        if d.rounded() == d && abs(d) < 9_007_199_254_740_992 { return String(Int64(d)) }
        return "\(d)"
    }

    /// Swift's shortest round-trip form of a finite double (`1.0`, `0.25`, `1e-05`).
    static func shortest(_ d: Double) -> String {
        precondition(d.isFinite, "JSON cannot hold \(d)")
        return "\(d)"
    }

    /// The JSON string literal of `s` (quotes, backslash and control characters escaped), as every
    /// JSON writer of the project spells it.
    public static func quote(_ s: String) -> String {
        var out = ""
        escape(s, into: &out)
        return out
    }

    private static func escape(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}
