import Foundation

/// Fault injection for the kill/resume test (`Tests/CLITests/KillResumeCLITests.swift`): with
/// `SISR_TEST_KILL_AT_STEP=N` in the environment the process sends itself SIGKILL (no cleanup, as
/// an out-of-memory kill or a pre-empted node would) when it reaches its N-th durable step: each
/// temporary-file write, rename and removal the builder makes. Unset, `reached()` does nothing.
public enum KillPoint {
    private final class Counter: @unchecked Sendable {
        let limit = ProcessInfo.processInfo.environment["SISR_TEST_KILL_AT_STEP"].flatMap { Int($0) }
        var count = 0
        let lock = NSLock()
    }
    private static let counter = Counter()

    /// Marks one durable step.
    public static func reached() {
        guard let limit = counter.limit else { return }
        counter.lock.lock()
        counter.count += 1
        let now = counter.count
        counter.lock.unlock()
        if now == limit { kill(getpid(), SIGKILL) }
    }
}
