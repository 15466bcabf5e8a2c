import SISREngine
/// A parameter whose stored shape differs from the one the architecture needs.
public struct ShapeMismatch: Sendable, Equatable, CustomStringConvertible {
    public let key: String
    public let expected: [Int]
    public let found: [Int]

    public init(key: String, expected: [Int], found: [Int]) {
        self.key = key
        self.expected = expected
        self.found = found
    }

    public var description: String { "\(key): expected \(expected), found \(found)" }
}

/// Errors raised while building a network from a configuration and a checkpoint.
public enum ModelError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Strict loading failed: the lists name every offending key.
    case keyMismatch(source: String, missing: [String], unused: [String], shapes: [ShapeMismatch])
    /// The checkpoint does not look like the requested architecture, or its sizes cannot be inferred.
    case incompatibleCheckpoint(source: String, problem: String)
    /// A configuration value is invalid or contradicts the checkpoint.
    case invalidConfig(String)
    /// The architecture name is not known.
    case unknownArchitecture(String)

    public var description: String {
        switch self {
        case let .keyMismatch(source, missing, unused, shapes):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing keys: " + ModelError.list(missing)) }
            if !unused.isEmpty { parts.append("unused keys: " + ModelError.list(unused)) }
            if !shapes.isEmpty { parts.append("shape mismatches: " + ModelError.list(shapes.map(\.description))) }
            return "\(source): checkpoint does not match the architecture; " + parts.joined(separator: "; ")
        case let .incompatibleCheckpoint(source, problem):
            return "\(source): \(problem)"
        case let .invalidConfig(message):
            return "invalid model configuration: \(message)"
        case let .unknownArchitecture(name):
            return "unknown architecture '\(name)' (known: \(Architecture.allCases.map(\.rawValue).joined(separator: ", ")))"
        }
    }

    /// At most 12 items, then a count of the rest.
    static func list(_ items: [String]) -> String {
        let shown = items.prefix(12).joined(separator: ", ")
        return items.count > 12 ? shown + ", ... (\(items.count - 12) more)" : shown
    }
}
