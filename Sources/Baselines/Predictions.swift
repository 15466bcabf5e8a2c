import Foundation
import SISRCore

/// One line of a predictions file: the predicted label of one sample, optionally per-class scores
/// (higher = more likely) and a feature vector. See docs/FORMAT.md, "Predictions".
public struct Prediction: Sendable, Equatable {
    public var key: String
    public var label: String
    /// Per-class scores in the protocol's class order (a JSON object is mapped to this order when read).
    public var scores: [Double]?
    public var features: [Double]?
    /// 1-based line number in the file it was read from (0 when made in memory).
    public var line: Int

    public init(key: String, label: String, scores: [Double]? = nil, features: [Double]? = nil, line: Int = 0) {
        self.key = key
        self.label = label
        self.scores = scores
        self.features = features
        self.line = line
    }
}

/// Reading, validating and writing predictions files (JSON Lines, one object per sample).
public enum Predictions {
    /// Serialises predictions: one canonical JSON object per line (keys sorted, no spaces), lines in
    /// key order, scores as an array in class order. Same input, same bytes.
    public static func encode(_ predictions: [Prediction]) -> [UInt8] {
        var out: [UInt8] = []
        for p in predictions.sorted(by: { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }) {
            var line: [String: JSONValue] = ["key": .string(p.key), "label": .string(p.label)]
            if let f = p.features { line["features"] = numberArray(f) }
            if let s = p.scores { line["scores"] = numberArray(s) }
            out += Array(CanonicalJSON.string(.object(line), doubles: .swiftShortest).utf8) + [0x0A]
        }
        return out
    }

    /// Writes `encode(predictions)` atomically.
    public static func write(_ predictions: [Prediction], to url: URL) throws {
        try AtomicFile.write(encode(predictions), to: url)
    }

    /// Reads and validates a predictions file against the classes and the expected sample keys.
    /// Rejects, naming the file and line: invalid JSON, missing or non-string `key`/`label`, unknown
    /// fields' wrong types, duplicate keys, keys not in `expectedKeys`, labels not in `classes`, score
    /// arrays of the wrong length or score objects naming unknown classes, non-finite numbers and
    /// feature vectors of differing lengths. Then rejects the file if any expected key has no line.
    public static func read(
        _ url: URL, classes: [String], expectedKeys: Set<String>, protocolName: String
    ) throws -> [Prediction] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SISRError.io(path: url.path, problem: "cannot read the predictions file (\(error.localizedDescription))")
        }
        return try parse(Array(data), path: url.path, classes: classes, expectedKeys: expectedKeys,
                         protocolName: protocolName)
    }

    /// `read` on bytes already in memory; `path` is used in error messages.
    public static func parse(
        _ bytes: [UInt8], path: String, classes: [String], expectedKeys: Set<String>, protocolName: String
    ) throws -> [Prediction] {
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var out: [Prediction] = []
        var firstLine: [String: Int] = [:]
        var featureLength: (count: Int, line: Int)?
        var lineNo = 0
        var start = 0
        func fail(_ problem: String) -> SISRError { .corrupt(path: "\(path):\(lineNo)", problem: problem) }
        while start < bytes.count {
            lineNo += 1
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            var slice = bytes[start..<end]
            start = end + 1
            if slice.last == 0x0D { slice = slice.dropLast() }
            if slice.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }  // blank lines are ignored
            let value: JSONValue
            do { value = try JSONDecoder().decode(JSONValue.self, from: Data(slice)) } catch {
                throw fail("invalid JSON")
            }
            guard case let .object(object) = value else { throw fail("expected one JSON object per line") }
            guard let key = object["key"]?.stringValue else { throw fail("missing string field \"key\"") }
            guard let label = object["label"]?.stringValue else {
                throw fail("missing string field \"label\" for key \(key)")
            }
            if let first = firstLine[key] { throw fail("duplicate key \(key) (first on line \(first))") }
            firstLine[key] = lineNo
            guard expectedKeys.contains(key) else {
                throw fail("key \(key) is not a test sample of protocol \(protocolName)")
            }
            guard classIndex[label] != nil else {
                throw fail("label \"\(label)\" of key \(key) is not a class of protocol \(protocolName) "
                    + "(classes: \(classList(classes)))")
            }
            var scores: [Double]?
            if let raw = object["scores"], raw != .null {
                scores = try parseScores(raw, classes: classes, classIndex: classIndex, key: key, fail: fail)
            }
            var features: [Double]?
            if let raw = object["features"], raw != .null {
                guard let f = numbers(raw) else { throw fail("\"features\" of key \(key) must be an array of finite numbers") }
                if let known = featureLength, known.count != f.count {
                    throw fail("\"features\" of key \(key) has \(f.count) values, line \(known.line) has \(known.count)")
                }
                featureLength = featureLength ?? (f.count, lineNo)
                features = f
            }
            out.append(Prediction(key: key, label: label, scores: scores, features: features, line: lineNo))
        }
        let missing = expectedKeys.subtracting(firstLine.keys).sorted()
        if !missing.isEmpty {
            let shown = missing.prefix(5).joined(separator: ", ")
            throw SISRError.corrupt(path: path, problem: "\(missing.count) of \(expectedKeys.count) test samples of "
                + "protocol \(protocolName) have no prediction: \(shown)\(missing.count > 5 ? ", ..." : "")")
        }
        return out
    }

    private static func parseScores(
        _ raw: JSONValue, classes: [String], classIndex: [String: Int], key: String, fail: (String) -> SISRError
    ) throws -> [Double] {
        if let dict = raw.objectValue {
            var s = [Double](repeating: -.infinity, count: classes.count)
            for (name, value) in dict {
                guard let i = classIndex[name] else { throw fail("\"scores\" of key \(key) names unknown class \"\(name)\"") }
                guard let v = number(value) else { throw fail("\"scores\" of key \(key): value for \"\(name)\" is not a finite number") }
                s[i] = v
            }
            return s
        }
        guard let s = numbers(raw) else {
            throw fail("\"scores\" of key \(key) must be an array of finite numbers or an object class -> number")
        }
        guard s.count == classes.count else {
            throw fail("\"scores\" of key \(key) has \(s.count) values, the protocol has \(classes.count) classes")
        }
        return s
    }

    private static func number(_ v: JSONValue) -> Double? {
        guard let d = v.doubleValue else { return nil }
        return d.isFinite ? d : nil
    }

    private static func numbers(_ v: JSONValue) -> [Double]? {
        guard let a = v.arrayValue else { return nil }
        var out: [Double] = []
        out.reserveCapacity(a.count)
        for x in a {
            guard let d = number(x) else { return nil }
            out.append(d)
        }
        return out
    }

    static func classList(_ classes: [String]) -> String {
        classes.count <= 8 ? classes.joined(separator: ", ") : classes.prefix(8).joined(separator: ", ") + ", ..."
    }
}

/// A JSON array of doubles; non-finite values are written as `null` (and refused when read back).
func numberArray(_ v: [Double]) -> JSONValue {
    .array(v.map { $0.isFinite ? .double($0) : .null })
}
