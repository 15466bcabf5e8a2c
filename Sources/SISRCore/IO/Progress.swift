import Foundation

/// A progress line for long jobs: count/total, rate, ETA, redrawn in place on a terminal (stderr)
/// and silent when stderr is not a terminal (piped or redirected). Thread-safe.
public final class ProgressReporter: @unchecked Sendable {
    private let total: Int
    private let label: String
    private let enabled: Bool
    private let start = Date()
    private var done = 0
    private var lastDraw = Date.distantPast
    private let lock = NSLock()

    /// - Parameter force: draw even when stderr is not a terminal (nil: decide by `isatty(2)`).
    public init(total: Int, label: String, force: Bool? = nil) {
        self.total = total
        self.label = label
        self.enabled = force ?? (isatty(2) != 0)
    }

    /// Records `n` more finished items and redraws at most 10 times a second.
    public func advance(by n: Int = 1) {
        lock.lock()
        defer { lock.unlock() }
        done += n
        let now = Date()
        if enabled && (now.timeIntervalSince(lastDraw) > 0.1 || done == total) {
            lastDraw = now
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line(now: now)).utf8))
        }
    }

    /// Ends the line on a terminal.
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        if enabled { FileHandle.standardError.write(Data(("\r\u{1B}[K" + line(now: Date()) + "\n").utf8)) }
    }

    /// The text shown, e.g. `build  120/400  30%  12.5/s  ETA 0:22`.
    public func line(now: Date = Date()) -> String {
        let elapsed = max(now.timeIntervalSince(start), 1e-9)
        let rate = Double(done) / elapsed
        let pct = total > 0 ? done * 100 / total : 100
        var eta = "--:--"
        if rate > 0 && total >= done {
            let s = Int((Double(total - done) / rate).rounded())
            eta = String(format: "%d:%02d", s / 60, s % 60)
        }
        return "\(label)  \(done)/\(total)  \(pct)%  " + String(format: "%.1f", rate) + "/s  ETA \(eta)"
    }
}
