import SISRCore
import Yams

/// A scalar as BasicSR's YAML reader (PyYAML, YAML 1.1 rules) sees it.
///
/// The difference from YAML 1.2 that matters in option files: a plain `1e-4` is a **string** to PyYAML
/// (its float pattern needs a dot and a signed exponent), which is why BasicSR files write `!!float 1e-4`.
/// Asking such a string for a number is an error that says so, instead of reading a value BasicSR would
/// not see.
enum OptionScalar: Equatable, Sendable {
    case null, bool(Bool), int(Int), float(Double), string(String)

    /// Classifies a plain (unquoted, untagged) scalar the way PyYAML's resolver does.
    static func plain(_ s: String) -> OptionScalar {
        if ["", "~", "null", "Null", "NULL"].contains(s) { return .null }
        if ["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"].contains(s) { return .bool(true) }
        if ["false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"].contains(s) { return .bool(false) }
        if let i = decimalInt(s) { return .int(i) }
        if isYAML11Float(s), let d = pythonFloat(s) { return .float(d) }
        return .string(s)
    }

    /// `[-+]?(0|[1-9][0-9_]*)` (octal, hex, binary and sexagesimal forms stay strings here; PyYAML
    /// would read them as integers, so ``OptionNode`` refuses them where a number is wanted).
    static func decimalInt(_ s: String) -> Int? {
        var body = Substring(s)
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        guard let first = body.first, first.isASCIIDigitChar, first != "0" || body.count == 1 else { return nil }
        guard body.allSatisfy({ $0.isASCIIDigitChar || $0 == "_" }) else { return nil }
        return Int(s.replacingOccurrences(of: "_", with: "").replacingOccurrences(of: "+", with: ""))
    }

    /// PyYAML's float pattern: `[-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?`, `\.[0-9][0-9_]*(...)?`,
    /// `[-+]?\.(inf|Inf|INF)`, `\.(nan|NaN|NAN)` (sexagesimal floats left out).
    static func isYAML11Float(_ s: String) -> Bool {
        if [".nan", ".NaN", ".NAN"].contains(s) { return true }
        var body = Substring(s)
        let signed = body.first == "-" || body.first == "+"
        if signed { body = body.dropFirst() }
        if [".inf", ".Inf", ".INF"].contains(String(body)) { return true }
        guard let dot = body.firstIndex(of: ".") else { return false }
        let whole = body[..<dot]
        var rest = body[body.index(after: dot)...]
        if whole.isEmpty {
            guard !signed, let f = rest.first, f.isASCIIDigitChar else { return false }
        } else {
            guard whole.first!.isASCIIDigitChar, whole.allSatisfy({ $0.isASCIIDigitChar || $0 == "_" }) else { return false }
        }
        if let e = rest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            let exponent = rest[rest.index(after: e)...]
            guard let sign = exponent.first, sign == "-" || sign == "+", exponent.count > 1,
                exponent.dropFirst().allSatisfy(\.isASCIIDigitChar)
            else { return false }
            rest = rest[..<e]
        }
        return rest.allSatisfy { $0.isASCIIDigitChar || $0 == "_" }
    }

    /// Python's `float()` of PyYAML's cleaned text (underscores removed, `.inf`/`.nan` handled).
    static func pythonFloat(_ s: String) -> Double? {
        let t = s.replacingOccurrences(of: "_", with: "").lowercased()
        var body = Substring(t)
        var sign = 1.0
        if body.first == "-" { sign = -1; body = body.dropFirst() } else if body.first == "+" { body = body.dropFirst() }
        if body == ".inf" { return sign * .infinity }
        if body == ".nan" { return .nan }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCIIDigitChar || "._e+-".contains($0) }) else { return nil }
        return Double(String(body)).map { sign * $0 }
    }

    var kind: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return "the boolean \(b)"
        case .int(let i): return "the integer \(i)"
        case .float(let d): return "the number \(d)"
        case .string(let s): return "the string '\(s)'"
        }
    }
}

extension Character {
    fileprivate var isASCIIDigitChar: Bool { ("0"..."9").contains(self) }
}

/// One node of an option file with its key path (`train.optim_g.lr`), for typed reads whose errors name
/// the file and the key.
struct OptionNode {
    let node: Node
    let path: String
    let file: String

    /// The document's root. Plain scalars are left unresolved (Yams' `basic` resolver) so that
    /// ``scalar()`` applies PyYAML's rules, not YAML 1.2's.
    static func root(yaml: String, file: String) throws -> OptionNode {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml, .basic, .default) } catch {
            throw SISRError.corrupt(path: file, problem: "not valid YAML: \(error)")
        }
        guard let root else { throw SISRError.corrupt(path: file, problem: "the option file is empty") }
        return OptionNode(node: root, path: "", file: file)
    }

    func fail(_ problem: String) -> SISRError {
        .corrupt(path: file, problem: path.isEmpty ? problem : "\(path): \(problem)")
    }

    func child(_ key: String, _ node: Node) -> OptionNode {
        OptionNode(node: node, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    /// The scalar's value under PyYAML's rules; explicit `!!float`, `!!int`, `!!str`, `!!bool`, `!!null`
    /// tags are honoured, others refused.
    func scalar() throws -> OptionScalar {
        guard case .scalar(let s) = node else { throw fail("expected a single value, found a \(shapeName)") }
        switch s.tag.description {
        case "", "!":
            return s.style == .plain ? OptionScalar.plain(s.string) : .string(s.string)
        case Tag.Name.str.rawValue: return .string(s.string)
        case Tag.Name.float.rawValue:
            guard let d = OptionScalar.pythonFloat(s.string) else { throw fail("'\(s.string)' is not a valid !!float") }
            return .float(d)
        case Tag.Name.int.rawValue:
            guard let i = OptionScalar.decimalInt(s.string) else { throw fail("'\(s.string)' is not a decimal !!int") }
            return .int(i)
        case Tag.Name.bool.rawValue:
            guard case .bool(let b) = OptionScalar.plain(s.string) else { throw fail("'\(s.string)' is not a valid !!bool") }
            return .bool(b)
        case Tag.Name.null.rawValue: return .null
        case let tag: throw fail("unsupported YAML tag '\(tag)'")
        }
    }

    private var shapeName: String {
        switch node {
        case .scalar: return "single value"
        case .mapping: return "mapping"
        case .sequence: return "list"
        }
    }

    var isNull: Bool { (try? scalar()) == .null }

    func string() throws -> String {
        let v = try scalar()
        guard case .string(let s) = v else { throw fail("expected a string, found \(v.kind) (quote it)") }
        return s
    }

    func bool() throws -> Bool {
        let v = try scalar()
        guard case .bool(let b) = v else { throw fail("expected true or false, found \(v.kind)") }
        return b
    }

    /// A number. Integers are accepted; a string that YAML 1.2 would read as a number gets a hint.
    func double() throws -> Double {
        let v = try scalar()
        switch v {
        case .int(let i): return Double(i)
        case .float(let d): return d
        case .string(let s) where Double(s) != nil:
            throw fail("'\(s)' is a string to BasicSR's YAML reader (PyYAML); write !!float \(s)")
        default: throw fail("expected a number, found \(v.kind)")
        }
    }

    /// An integer; an integral `!!float` (BasicSR files write `!!float 5e3`) is accepted too.
    func int() throws -> Int {
        let v = try scalar()
        switch v {
        case .int(let i): return i
        case .float(let d) where d.rounded() == d && abs(d) < 1e15: return Int(d)
        case .string(let s) where Double(s) != nil:
            throw fail("'\(s)' is a string to BasicSR's YAML reader (PyYAML); write it in decimal or as !!float \(s)")
        default: throw fail("expected an integer, found \(v.kind)")
        }
    }

    func list() throws -> [OptionNode] {
        guard case .sequence(let seq) = node else { throw fail("expected a list, found a \(shapeName)") }
        return seq.enumerated().map { OptionNode(node: $0.element, path: "\(path)[\($0.offset)]", file: file) }
    }

    /// This node as a mapping whose keys must all be in `allowed` (else an error naming the first
    /// unknown key); duplicate keys are refused too (PyYAML would silently keep the last).
    func map(allowed: [String]) throws -> OptionMap {
        let entries = try entries()
        if let unknown = entries.first(where: { !allowed.contains($0.key) }) {
            throw unknown.value.fail("unknown key (supported here: \(allowed.joined(separator: ", ")))")
        }
        return OptionMap(node: self, entries: entries)
    }

    /// The key/value pairs in file order, keys checked to be unique strings.
    func entries() throws -> [(key: String, value: OptionNode)] {
        guard case .mapping(let mapping) = node else {
            if isNull { throw fail("expected a mapping, found an empty value") }
            throw fail("expected a mapping, found a \(shapeName)")
        }
        var seen = Set<String>()
        var out: [(key: String, value: OptionNode)] = []
        for (k, v) in mapping {
            let keyNode = OptionNode(node: k, path: path, file: file)
            guard case .string(let key) = try keyNode.scalar() else { throw fail("keys must be strings") }
            guard seen.insert(key).inserted else { throw child(key, v).fail("duplicate key") }
            out.append((key, child(key, v)))
        }
        return out
    }
}

/// A mapping whose keys were checked against the allowed set.
struct OptionMap {
    let node: OptionNode
    let entries: [(key: String, value: OptionNode)]

    /// The value under `key`; an explicit `null` counts as absent (as `dict.get` does in BasicSR).
    subscript(_ key: String) -> OptionNode? {
        entries.first(where: { $0.key == key }).map(\.value).flatMap { $0.isNull ? nil : $0 }
    }

    func required(_ key: String) throws -> OptionNode {
        guard let v = self[key] else { throw node.fail("missing key '\(key)'") }
        return v
    }

    func string(_ key: String) throws -> String? { try self[key]?.string() }
    func int(_ key: String) throws -> Int? { try self[key]?.int() }
    func double(_ key: String) throws -> Double? { try self[key]?.double() }
    func bool(_ key: String) throws -> Bool? { try self[key]?.bool() }

    /// A string that must be one of `choices` (for `type:` keys and enumerations).
    func choice(_ key: String, _ choices: [String], default fallback: String? = nil) throws -> String {
        guard let v = self[key] else {
            if let fallback { return fallback }
            throw node.fail("missing key '\(key)'")
        }
        let s = try v.string()
        guard choices.contains(s) else {
            throw v.fail("'\(s)' is not supported (supported: \(choices.joined(separator: ", ")))")
        }
        return s
    }

    /// Fails with `problem` at `key` (or at this mapping when the key is absent).
    func fail(_ key: String, _ problem: String) -> SISRError {
        (entries.first(where: { $0.key == key })?.value ?? node).fail(problem)
    }
}
