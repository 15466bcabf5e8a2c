import Foundation
import Testing
@testable import DatasetLoader
import TestSupport

/// Shared-memory batches are reused only once no process holds them (what lets the PyTorch adapter
/// skip a fresh 19 MB object per batch without ever overwriting a batch a consumer still has).
@Suite struct BatchMemoryPoolTests {
    /// A consumer's mapping of a lent descriptor, as torch makes one (dup, mmap, close the dup).
    func consumerMap(_ fd: Int32, _ bytes: Int) throws -> UnsafeMutableRawPointer {
        let copy = dup(fd)
        defer { close(copy) }
        let p = try #require(mmap(nil, bytes, PROT_READ, MAP_SHARED, copy, 0))
        #expect(p != MAP_FAILED)
        return p
    }

    @Test func aLentRegionIsReusedOnlyAfterItsLastMappingIsGone() throws {
        let pool = BatchMemoryPool(limit: 4, shared: true)
        let first = try #require(pool.take(4096))
        let fd = pool.lend(first)
        #expect(fd >= 0 && fd != first.fd)
        let view = try consumerMap(fd, 4096)
        close(fd)  // the batch is freed; the consumer's mapping lives on
        pool.giveBack(first)
        let second = try #require(pool.take(4096))
        #expect(second !== first, "a region still mapped by a consumer was reused")
        munmap(view, 4096)
        pool.giveBack(second)
        let third = try #require(pool.take(4096))
        #expect(third === first, "the released region was not reused")
        #expect(pool.created == 2)
    }

    @Test func aRegionNeverLentIsReusedOnceItsBatchIsFreed() throws {
        let pool = BatchMemoryPool(limit: 4, shared: true)
        let a = try #require(pool.take(1000))
        close(pool.lend(a))  // lent and closed by nobody else: released at once
        pool.giveBack(a)
        #expect(try #require(pool.take(2000)) !== a, "a region too small was reused")
        #expect(try #require(pool.take(1000)) === a)
    }

    @Test func atMostLimitRegionsAreKept() throws {
        let pool = BatchMemoryPool(limit: 1, shared: true)
        let (a, b) = (try #require(pool.take(64)), try #require(pool.take(64)))
        pool.giveBack(a)
        pool.giveBack(b)  // over the limit: freed
        #expect(try #require(pool.take(64)) === a)
        #expect(try #require(pool.take(64)) !== b)
    }

    /// Every batch of an epoch kept mapped (as tensors a user keeps): all pixels stay those of a
    /// loader without shared memory; once they are dropped, the next epoch reuses the objects.
    @Test func batchesKeptByAConsumerStayIntactAndDroppedOnesAreReused() throws {
        let url = try TestRelease.make()
        let plain = try BatchLoader(release: url, protocol: nil, options: TestRelease.options { $0.hflip = true })
        let shared = try BatchLoader(release: url, protocol: nil, options: TestRelease.options { $0.hflip = true; $0.sharedMemory = true; $0.prefetch = 1 })
        let pool = shared.batchPool
        for epoch in 0..<2 {
            var kept = [(UnsafeMutableRawPointer, Int)]()
            let stream = try shared.batches(epoch: epoch)
            while let batch = try stream.next() {
                let bytes = batch.count * batch.bytesPerSample
                if epoch == 0 { kept.append((try consumerMap(batch.sharedMemoryFD, bytes), bytes)) }
            }
            let expected = try plainBytes(plain, epoch: epoch)
            if epoch == 0 {
                #expect(kept.count == expected.count && pool.created == expected.count)
                for (g, ((p, n), want)) in zip(kept, expected).enumerated() {
                    let intact = Array(UnsafeRawBufferPointer(start: p, count: n)) == want
                    #expect(intact, "batch \(g) was overwritten while a consumer held it")
                }
                for (p, n) in kept { munmap(p, n) }
            } else {
                #expect(pool.created == expected.count, "epoch 1 made new objects although epoch 0's were released")
            }
        }
    }

    /// Ordinary batches: memory is reused once a batch is freed, never while it lives.
    @Test func ordinaryBatchesReuseMemoryOnlyOnceFreed() throws {
        let url = try TestRelease.make()
        let a = try BatchLoader(release: url, protocol: nil, options: TestRelease.options { $0.prefetch = 2 })
        let b = try BatchLoader(release: url, protocol: nil, options: TestRelease.options { $0.prefetch = 2 })
        let expected = try plainBytes(a, epoch: 3)
        #expect(expected.count > 6 && a.batchPool.created <= 4, "dropped batches were not reused (\(a.batchPool.created) regions)")
        var kept = [Batch]()
        let stream = try b.batches(epoch: 3)
        while let batch = try stream.next() { kept.append(batch) }
        #expect(b.batchPool.created == kept.count)
        for (g, (batch, want)) in zip(kept, expected).enumerated() {
            let intact = Array(UnsafeRawBufferPointer(start: batch.storage, count: batch.count * batch.bytesPerSample)) == want
            #expect(intact, "batch \(g) was overwritten while held")
        }
    }

    func plainBytes(_ loader: BatchLoader, epoch: Int) throws -> [[UInt8]] {
        let stream = try loader.batches(epoch: epoch)
        var out = [[UInt8]]()
        while let b = try stream.next() { out.append(Array(UnsafeRawBufferPointer(start: b.storage, count: b.count * b.bytesPerSample))) }
        return out
    }
}
