import Foundation

/// The one rule for thread counts, in the CLI (`--threads`) and the loader (`threads`, also from
/// Python and C): 0 means one thread per core, a positive number is used as is, a negative number
/// is refused.
public enum ThreadCount {
    /// The thread count to use for `requested`; `name` is the option as the user spelled it.
    public static func resolve(_ requested: Int, name: String = "--threads") throws -> Int {
        guard requested >= 0 else {
            throw SISRError.invalidArgument("\(name) must be 0 (one thread per core) or a positive number, not \(requested)")
        }
        return requested == 0 ? cores : requested
    }

    /// Cores available to this process (at least 1).
    public static var cores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}
