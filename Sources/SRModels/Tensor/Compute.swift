import Dispatch
import Foundation
import SISRCore

/// Process-wide settings of the CPU inference engine.
///
/// Work is split into items whose boundaries depend only on tensor shapes, never on the thread count,
/// and every output value is computed by exactly one item with a fixed order of operations. Results are
/// therefore byte-identical for any number of threads.
public enum Compute {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var storedThreads = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Number of worker threads used by tensor operations (at least 1). Defaults to the number of
    /// active processors.
    public static var threads: Int {
        get { lock.withLock { storedThreads } }
        set { lock.withLock { storedThreads = max(1, newValue) } }
    }

    nonisolated(unsafe) private static var storedWinograd = true

    /// Whether 3x3 convolutions with padding 1 use Winograd F(2x2, 3x3) (default true) rather than
    /// im2col. Both match PyTorch to float rounding; the choice changes the last bits of results.
    public static var winograd: Bool {
        get { lock.withLock { storedWinograd } }
        set { lock.withLock { storedWinograd = newValue } }
    }

    nonisolated(unsafe) private static var storedWinogradMin = 64

    /// 3x3 convolutions with fewer input channels use im2col even when ``winograd`` is on: the 16 Winograd
    /// GEMMs have the input channels as inner dimension and get inefficient when it is small.
    public static var winogradMinInputChannels: Int {
        get { lock.withLock { storedWinogradMin } }
        set { lock.withLock { storedWinogradMin = max(1, newValue) } }
    }

    /// Overrides ``winogradMinInputChannels`` for the current task only (tests, experiments).
    @TaskLocal public static var winogradMinInputChannelsOverride: Int?

    /// OpenBLAS is called from our own workers, one GEMM per work item, so it must not start threads
    /// of its own. Evaluated once, before the first GEMM.
    static let blasSingleThreaded: Void = { BLAS.setThreads(1) }()

    /// Counts the floating-point operations of convolutions run inside `withValue` (for benchmarks).
    @TaskLocal public static var flopCounter: FLOPCounter?

    /// Runs `body(worker, items)` on up to `threads` workers. Worker `w` receives the items
    /// `w, w + t, w + 2t, ...` below `count`, where `t` is the number of workers. Returns when all are done.
    static func forEachWorker(items count: Int, _ body: (_ worker: Int, _ items: StrideTo<Int>) -> Void) {
        guard count > 0 else { return }
        let t = min(threads, count)
        if t == 1 {
            body(0, stride(from: 0, to: count, by: 1))
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendableBox(body)
            DispatchQueue.concurrentPerform(iterations: t) { w in
                box.value(w, stride(from: w, to: count, by: t))
            }
        }
    }

    /// Runs `body(range)` over `0..<count` split into chunks of `chunk` elements (the last may be shorter).
    static func forEachChunk(count: Int, chunk: Int = 1 << 16, _ body: (Range<Int>) -> Void) {
        let chunks = (count + chunk - 1) / chunk
        forEachWorker(items: chunks) { _, items in
            for i in items { body((i * chunk)..<min(count, (i + 1) * chunk)) }
        }
    }
}

/// Reusable float buffers for per-worker scratch space (im2col blocks), so that convolutions do not
/// allocate, zero and page-fault a fresh block each time. Contents are unspecified when taken.
final class ScratchPool: @unchecked Sendable {
    static let shared = ScratchPool()
    private let lock = NSLock()
    private var free: [UnsafeMutableBufferPointer<Float>] = []

    /// Runs `body` with a buffer of at least `count` floats, returned to the pool afterwards.
    func with<R>(count: Int, _ body: (UnsafeMutableBufferPointer<Float>) -> R) -> R {
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

    func add(_ n: Double) { lock.withLock { total += n } }
}

/// Carries a value across a concurrency boundary whose safety the caller guarantees (workers write to
/// disjoint parts of one buffer).
struct UnsafeSendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
