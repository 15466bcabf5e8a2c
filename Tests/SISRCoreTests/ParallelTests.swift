import Foundation
import Testing
@testable import SISRCore

/// `Parallel.forEachInOrder`: values consumed in item order whatever the threads, at most `window`
/// items ahead of the consumer, and the first failure (lowest item, of produce or consume) stops it
/// with the same error and the same consumed prefix for every thread count.
@Suite struct ParallelTests {
    struct Failure: Error, Equatable { let item: Int }

    /// Runs the pipeline over `count` items; items in `failProduce` / `failConsume` throw there.
    /// Returns the consumed items, the error's item and the largest distance produced-ahead seen.
    func run(_ count: Int, threads: Int, window: Int, failProduce: Set<Int> = [], failConsume: Set<Int> = [])
        -> (consumed: [Int], error: Int?, ahead: Int) {
        let lock = NSLock()
        var consumed = [Int](), current = 0, ahead = 0
        var error: Int?
        do {
            try Parallel.forEachInOrder(count, threads: threads, window: window, produce: { i -> Int in
                lock.withLock { ahead = max(ahead, i - current) }
                // Uneven work, so later items often finish first.
                if i % 3 == 0 { usleep(200) }
                if failProduce.contains(i) { throw Failure(item: i) }
                return i * 10
            }, consume: { i, v in
                lock.withLock { current = i }
                #expect(v == i * 10)
                if failConsume.contains(i) { throw Failure(item: i) }
                consumed.append(i)
            })
        } catch let e as Failure { error = e.item } catch { Issue.record("unexpected \(error)") }
        return (consumed, error, ahead)
    }

    @Test(arguments: [1, 2, 3, 8])
    func consumesInItemOrder(threads: Int) {
        let r = run(200, threads: threads, window: 5)
        #expect(r.consumed == Array(0..<200) && r.error == nil)
        // +1: the consumer asks for the next item (letting one more out) before this test sees it start.
        #expect(r.ahead <= 5 + 1, "an item was handed out \(r.ahead) ahead of the one being consumed")
    }

    @Test(arguments: [1, 2, 4])
    func stopsAtTheLowestFailure(threads: Int) {
        let p = run(300, threads: threads, window: 16, failProduce: [120, 40, 250])
        #expect(p.error == 40 && p.consumed == Array(0..<40))
        let c = run(300, threads: threads, window: 16, failProduce: [90], failConsume: [70])
        #expect(c.error == 70 && c.consumed == Array(0..<70))
    }

    @Test func emptyAndSingleItems() {
        #expect(run(0, threads: 4, window: 1).consumed.isEmpty)
        #expect(run(1, threads: 4, window: 1).consumed == [0])
        #expect(run(1, threads: 1, window: 1, failProduce: [0]).error == 0)
    }
}
