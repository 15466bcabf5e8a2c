import SISREngine
/// How a loaded state dict differs from what an architecture expects: the basis of strict loading.
public struct StateDictDiff: Sendable, Equatable, CustomStringConvertible {
    /// Expected keys absent from the checkpoint, sorted.
    public let missing: [String]
    /// Checkpoint keys the architecture does not use, sorted.
    public let unexpected: [String]
    /// Keys present in both with different shapes, sorted by key.
    public let shapeMismatches: [(key: String, expected: [Int], found: [Int])]

    /// Compares expected `name -> shape` against a loaded state dict.
    public init(expected: [String: [Int]], found: StateDict) {
        missing = expected.keys.filter { found[$0] == nil }.sorted()
        unexpected = found.keys.filter { expected[$0] == nil }.sorted()
        shapeMismatches = expected.keys.sorted().compactMap { k in
            guard let f = found[k]?.shape, let e = expected[k], f != e else { return nil }
            return (k, e, f)
        }
    }

    /// True when every key matches with equal shapes.
    public var isExact: Bool { missing.isEmpty && unexpected.isEmpty && shapeMismatches.isEmpty }

    /// A multi-line summary listing the offending keys (at most `limit` of each kind).
    public func summary(limit: Int = 20) -> String {
        func list(_ title: String, _ items: [String]) -> String? {
            guard !items.isEmpty else { return nil }
            let shown = items.prefix(limit).joined(separator: ", ")
            return "\(title) (\(items.count)): \(shown)\(items.count > limit ? ", ..." : "")"
        }
        return [
            list("missing keys", missing),
            list("unexpected keys", unexpected),
            list("shape mismatches", shapeMismatches.map { "\($0.key) expected \($0.expected) found \($0.found)" }),
        ].compactMap { $0 }.joined(separator: "\n")
    }

    public var description: String { isExact ? "state dicts match" : summary() }

    public static func == (a: StateDictDiff, b: StateDictDiff) -> Bool {
        a.missing == b.missing && a.unexpected == b.unexpected
            && a.shapeMismatches.elementsEqual(b.shapeMismatches) { $0.key == $1.key && $0.expected == $1.expected && $0.found == $1.found }
    }
}
