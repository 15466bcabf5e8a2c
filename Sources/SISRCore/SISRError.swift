/// Errors about user input and files. Every case names the file (or item) and the problem, so a
/// message can be shown to a person as is.
public enum SISRError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A file could not be read or written.
    case io(path: String, problem: String)
    /// A file exists but its contents are not valid for the expected format.
    case corrupt(path: String, problem: String)
    /// An argument or option value is invalid.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .io(path, problem): return "\(path): \(problem)"
        case let .corrupt(path, problem): return "\(path): \(problem)"
        case let .invalidArgument(message): return message
        }
    }
}
