/// The engine's work splitting, for code outside this module (training). Items are handed to workers
/// round-robin (see ``Compute``); callers must make each item's result independent of which worker ran
/// it, so results do not depend on the thread count.
public enum ParallelWork {
    /// Runs `body(item)` for every item in `0..<count` on up to ``Compute/threads`` workers.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        Compute.forEachWorker(items: count) { _, items in
            for i in items { body(i) }
        }
    }

    /// Runs `body(range)` over `0..<count` cut into chunks of `chunk` elements.
    public static func forEachChunk(count: Int, chunk: Int = 1 << 15, _ body: (Range<Int>) -> Void) {
        Compute.forEachChunk(count: count, chunk: chunk, body)
    }
}
