import Dispatch
import Foundation

/// The project's one way to run work on several threads: fork-join loops (``forEach(_:threads:_:)``,
/// ``forEachWorker(items:threads:_:)``) and long-lived background workers
/// (``startThreads(_:stackSize:_:)``). Every module uses these; none starts threads or calls
/// `DispatchQueue.concurrentPerform` itself.
///
/// **The determinism rule.** Threads may change speed, never bytes:
/// - cut work into items whose boundaries depend only on the data (tensor shapes, sample counts, the
///   build plan), never on the number of threads or workers;
/// - every output value is written by exactly one item, with a fixed order of operations; an item
///   may read shared inputs but writes only its own outputs;
/// - never split one reduction (a sum, a dot product) over threads; when items produce partial
///   results, combine them afterwards in item order on one thread;
/// - where the first error matters, keep the one of the lowest item, not the first in time.
/// Code that follows it gives byte-identical results for 1 thread, N threads and any scheduling.
/// Settings carried in task-locals (the engine's `EngineSettings`) are not inherited by these
/// threads: callers that need them re-enter them in the body (`Compute.forEachWorker` does).
public enum Parallel {
    /// Runs `body(worker, items)` on `min(threads, count)` workers and returns when all are done.
    /// Worker `w` receives the items `w, w + t, w + 2t, ...` below `count`, `t` being the number of
    /// workers. With one worker, `body` runs on the calling thread.
    public static func forEachWorker(items count: Int, threads: Int, _ body: (_ worker: Int, _ items: StrideTo<Int>) -> Void) {
        guard count > 0 else { return }
        let t = max(1, min(threads, count))
        if t == 1 {
            body(0, stride(from: 0, to: count, by: 1))
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: t) { w in box.value(w, stride(from: w, to: count, by: t)) }
        }
    }

    /// Runs `body(i)` for every `i` in `0..<count` and returns when all are done: on every core when
    /// `threads` is 0 (items handed out as cores become free), else on `threads` workers.
    public static func forEach(_ count: Int, threads: Int = 0, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        if threads > 0 {
            forEachWorker(items: count, threads: threads) { _, items in for i in items { body(i) } }
            return
        }
        if count == 1 { body(0); return }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
        }
    }

    /// ``forEach(_:threads:_:)`` for throwing work: every item runs; afterwards the error of the
    /// lowest failing item (if any) is rethrown, so which error is reported does not depend on timing.
    public static func forEach(_ count: Int, threads: Int, _ body: (Int) throws -> Void) throws {
        let errors = LowestError()
        forEach(count, threads: threads) { i in
            do { try body(i) } catch { errors.record(i, error) }
        }
        if let e = errors.first { throw e }
    }

    /// Starts `count` background threads running `body(worker)` and returns at once (producers that
    /// outlive the call, such as the loader's prefetching decoders). The body must stop by itself;
    /// callers wait for it with their own condition.
    public static func startThreads(_ count: Int, stackSize: Int = 1 << 20, _ body: @escaping @Sendable (_ worker: Int) -> Void) {
        for w in 0..<count {
            let thread = Thread { body(w) }
            thread.stackSize = stackSize
            thread.start()
        }
    }
}

/// Carries a value into workers when the caller guarantees safety by the determinism rule (each
/// worker writes a disjoint part of one buffer through this pointer or closure).
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}

/// The error of the lowest item index, shared between workers.
final class LowestError: @unchecked Sendable {
    private let lock = NSLock()
    private var best: (index: Int, error: any Error)?

    func record(_ index: Int, _ error: any Error) {
        lock.withLock { if best == nil || index < best!.index { best = (index, error) } }
    }

    var first: (any Error)? { lock.withLock { best?.error } }
}
