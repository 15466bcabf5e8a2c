import Dispatch
import Foundation
import SISRCore

/// The engine's work splitting, on SISRCore's ``Parallel`` (whose doc comment states the determinism
/// rule): items cut by tensor shape, each output computed by one item. Settings come from
/// ``EngineSettings/current``.
public enum Compute {
    /// Number of worker threads of the settings in force.
    public static var threads: Int { EngineSettings.current.threads }

    /// Whether the settings in force use Winograd for 3x3 convolutions.
    public static var winograd: Bool { EngineSettings.current.winograd }

    /// Counts the floating-point operations of convolutions run inside `withValue` (for benchmarks).
    @TaskLocal public static var flopCounter: FLOPCounter?

    /// Runs `body(worker, items)` on up to `threads` workers through ``Parallel/forEachWorker(items:threads:_:)``
    /// (its doc comment has the determinism rule). Each worker runs with the caller's
    /// ``EngineSettings/current`` and ``flopCounter``, which task-locals do not carry into threads.
    package static func forEachWorker(items count: Int, _ body: (_ worker: Int, _ items: StrideTo<Int>) -> Void) {
        guard count > 0 else { return }
        let settings = EngineSettings.current
        if min(settings.threads, count) == 1 {
            body(0, stride(from: 0, to: count, by: 1))
            return
        }
        let counter = flopCounter
        Parallel.forEachWorker(items: count, threads: settings.threads) { w, items in
            settings.run { Compute.$flopCounter.withValue(counter) { body(w, items) } }
        }
    }

    /// Runs `body(range)` over `0..<count` split into chunks of `chunk` elements (the last may be shorter).
    package static func forEachChunk(count: Int, chunk: Int = 1 << 16, _ body: (Range<Int>) -> Void) {
        let chunks = (count + chunk - 1) / chunk
        forEachWorker(items: chunks) { _, items in
            for i in items { body((i * chunk)..<min(count, (i + 1) * chunk)) }
        }
    }
}

/// Reusable float buffers for per-worker scratch space (im2col blocks), so that convolutions do not
/// allocate, zero and page-fault a fresh block each time. Contents are unspecified when taken.
package final class ScratchPool: @unchecked Sendable {
    package static let shared = ScratchPool()
    private let lock = NSLock()
    private var free: [UnsafeMutableBufferPointer<Float>] = []

    /// Runs `body` with a buffer of at least `count` floats, returned to the pool afterwards.
    package func with<R>(count: Int, _ body: (UnsafeMutableBufferPointer<Float>) -> R) -> R {
        if count == 0 { return body(UnsafeMutableBufferPointer(start: nil, count: 0)) }
        var buf: UnsafeMutableBufferPointer<Float>? = lock.withLock {
            guard let i = free.firstIndex(where: { $0.count >= count }) else { return nil }
            return free.remove(at: i)
        }
        if buf == nil {
            // Grow by replacing the smallest cached buffer, keeping at most a few alive.
            lock.withLock {
                if free.count >= 4, let i = free.indices.min(by: { free[$0].count < free[$1].count }) {
                    free.remove(at: i).deallocate()
                }
            }
            buf = .allocate(capacity: count)
        }
        defer { lock.withLock { free.append(buf!) } }
        return body(UnsafeMutableBufferPointer(rebasing: buf![0..<count]))
    }
}

/// A thread-safe running total of floating-point operations.
public final class FLOPCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var total: Double = 0

    public init() {}

    /// Operations counted so far (a multiply-add counts as 2).
    public var flops: Double { lock.withLock { total } }

    package func add(_ n: Double) { lock.withLock { total += n } }
}
