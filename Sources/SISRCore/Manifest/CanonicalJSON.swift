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
public enum CanonicalJSON {
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
    public static func string(_ value: JSONValue, pretty: Bool = false) -> String {
        var out = ""
        write(value, into: &out, pretty: pretty, indent: 0)
        if pretty { out += "\n" }
        return out
    }

    private static func write(_ v: JSONValue, into out: inout String, pretty: Bool, indent: Int) {
        switch v {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d): out += number(d)
        case let .string(s): escape(s, into: &out)
        case let .array(a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (i, e) in a.enumerated() {
                if i > 0 { out += "," }
                if pretty { newline(&out, indent + 1) }
                write(e, into: &out, pretty: pretty, indent: indent + 1)
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
                write(o[k]!, into: &out, pretty: pretty, indent: indent + 1)
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
