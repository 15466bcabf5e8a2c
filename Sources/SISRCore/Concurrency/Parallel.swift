import Dispatch
import Foundation

/// The project's one way to run work on several threads: fork-join loops (``forEach(_:threads:_:)``,
/// ``map(_:threads:_:)``, ``forEachWorker(items:threads:_:)``), an ordered pipeline that stops at the first error
/// (``forEachInOrder(_:threads:window:produce:consume:)``: workers produce, the caller consumes in
/// item order, as the release builder renders and writes shards) and long-lived background workers
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

    /// ``forEach(_:threads:_:)`` collecting `body(i)` into an array in index order: every item runs
    /// (each writes only its own slot), then the error of the lowest failing item, if any, is rethrown.
    public static func map<T>(_ count: Int, threads: Int, _ body: (Int) throws -> T) throws -> [T] {
        var results = [T?](repeating: nil, count: count)
        try results.withUnsafeMutableBufferPointer { slots in
            let out = UncheckedSendable(slots)
            try forEach(count, threads: threads) { i in out.value[i] = try body(i) }
        }
        return results.map { $0! }
    }

    /// Runs `produce(i)` for every `i` in `0..<count` on `threads` background workers and
    /// `consume(i, value)` on the calling thread, in index order, as the values arrive; production
    /// of later items overlaps consumption of earlier ones (a pipeline: render on the workers, pack
    /// and write on the caller). Items are handed out in index order as workers become free, at most
    /// `window` items ahead of the one being consumed (a bound on the values held in memory).
    ///
    /// Stops early: after the first error (of `produce` or `consume`) no further item is handed out;
    /// the items already handed out finish, every value below the lowest failing item is still
    /// consumed, and that item's error is rethrown. Because items are handed out in order, every
    /// item below a failing one has run, so the error reported and what was consumed before it do
    /// not depend on the number of threads or on timing; nor do the consumed values and their order.
    public static func forEachInOrder<T>(_ count: Int, threads: Int, window: Int,
                                         produce: (Int) throws -> T, consume: (Int, T) throws -> Void) throws {
        guard count > 0 else { return }
        let workers = max(1, min(threads, count))
        let error: (any Error)? = withoutActuallyEscaping(produce) { produce in
            // The threads reach `produce` only through the pipe, which drops it once they are done:
            // nothing holds it after this call returns.
            let pipe = OrderedPipe<T>(count: count, window: max(1, window), produce: produce)
            for _ in 0..<workers {
                let thread = Thread {
                    while let (i, produce) = pipe.take() {
                        pipe.put(i, Result { try produce(i) })
                    }
                    pipe.workerDone()
                }
                thread.stackSize = 8 << 20
                thread.start()
            }
            defer { pipe.stopAndWait(workers: workers) }
            for i in 0..<count {
                guard let value = pipe.next(i) else { break }
                do { try consume(i, try value.get()) } catch {
                    pipe.fail(i, error)
                    break
                }
            }
            return pipe.errors.first
        }
        if let error { throw error }
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

/// The shared state of ``Parallel/forEachInOrder(_:threads:window:produce:consume:)``: the next item
/// to hand out, finished values not yet consumed, the stop flag and the lowest error.
final class OrderedPipe<T>: @unchecked Sendable {
    private let condition = NSCondition()
    private let count: Int, window: Int
    private var handedOut = 0, consuming = 0, finishedWorkers = 0
    private var stopped = false
    private var values = [Int: Result<T, any Error>]()
    private var produce: ((Int) throws -> T)?
    let errors = LowestError()

    init(count: Int, window: Int, produce: @escaping (Int) throws -> T) {
        self.count = count; self.window = window; self.produce = produce
    }

    /// The next item for a worker and the work to do, or nil when all are handed out or the run
    /// stopped. Waits while the item would be more than `window` ahead of the one being consumed.
    func take() -> (Int, (Int) throws -> T)? {
        condition.lock(); defer { condition.unlock() }
        while !stopped && handedOut < count && handedOut > consuming + window { condition.wait() }
        guard !stopped, handedOut < count, let produce else { return nil }
        handedOut += 1
        return (handedOut - 1, produce)
    }

    func put(_ i: Int, _ value: Result<T, any Error>) {
        condition.lock()
        if case let .failure(e) = value { errors.record(i, e); stopped = true }
        values[i] = value
        condition.broadcast()
        condition.unlock()
    }

    /// The value of item `i` once it is finished (taking it out), or nil if it will never be made
    /// (the run stopped before handing it out).
    func next(_ i: Int) -> Result<T, any Error>? {
        condition.lock(); defer { condition.unlock() }
        consuming = i
        condition.broadcast()
        while values[i] == nil {
            if stopped && i >= handedOut { return nil }
            condition.wait()
        }
        return values.removeValue(forKey: i)
    }

    func fail(_ i: Int, _ error: any Error) {
        condition.lock()
        errors.record(i, error)
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    func workerDone() {
        condition.lock()
        finishedWorkers += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Stops handing out items and waits until every worker has returned.
    func stopAndWait(workers: Int) {
        condition.lock()
        stopped = true
        condition.broadcast()
        while finishedWorkers < workers { condition.wait() }
        values.removeAll()
        produce = nil
        condition.unlock()
    }
}
