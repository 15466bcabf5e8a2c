import SISRCore

/// Errors of the loader. Every message names the file, shard or sample and the problem.
public enum LoaderError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A bad option or argument.
    case argument(String)
    /// A protocol file is missing or invalid.
    case protocolFile(path: String, problem: String)
    /// A shard cannot be read, fails verification, or is corrupt.
    case shard(path: String, problem: String)
    /// One sample inside a shard is corrupt or unusable.
    case sample(shard: String, key: String, problem: String)
    /// A release file (manifest, index) is missing or invalid.
    case release(path: String, problem: String)

    public var description: String {
        switch self {
        case let .argument(message): return message
        case let .protocolFile(path, problem): return "protocol \(path): \(problem)"
        case let .shard(path, problem): return "shard \(path): \(problem)"
        case let .sample(shard, key, problem): return "shard \(shard), sample \(key): \(problem)"
        case let .release(path, problem): return "release \(path): \(problem)"
        }
    }
}
