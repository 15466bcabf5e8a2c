import Foundation
import SISRCore
import Testing
@testable import DatasetLoader
import TestSupport

/// The loader over real shards: determinism across threads and ranks, resumption, coverage, pixels.
@Suite struct LoaderTests {
    static let release = Result { try TestRelease.make() }

    func loader(_ edit: (inout LoaderOptions) -> Void = { _ in }, protocol proto: String? = nil) throws -> BatchLoader {
        try BatchLoader(release: try Self.release.get(), protocol: proto, options: TestRelease.options(edit))
    }

    /// Every batch of an epoch: keys, labels and pixel bytes.
    func drain(_ loader: BatchLoader, epoch: Int = 0, start: Int = 0) throws -> [(keys: [String], labels: [Int32], bytes: [UInt8])] {
        let stream = try loader.batches(epoch: epoch, start: start)
        var out = [(keys: [String], labels: [Int32], bytes: [UInt8])]()
        while let b = try stream.next() {
            out.append((b.keys, b.labels, Array(UnsafeRawBufferPointer(start: b.storage, count: b.count * b.bytesPerSample))))
        }
        return out
    }

    @Test func sameBatchesWithOneTwoAndFourThreads() throws {
        let runs = try [1, 2, 4].map { t in try drain(loader { $0.threads = t; $0.hflip = true }, epoch: 1) }
        #expect(runs[0].count == runs[1].count && runs[0].count == runs[2].count)
        for r in runs.dropFirst() {
            #expect(r.map(\.keys) == runs[0].map(\.keys))
            #expect(r.map(\.bytes) == runs[0].map(\.bytes))
        }
    }

    @Test func threeRanksMergeToOneRank() throws {
        let single = try drain(loader { $0.batchSize = 6 })
        let ranks = try (0..<3).map { r in try drain(loader { $0.batchSize = 2; $0.rank = r; $0.world = 3 }) }
        #expect(Set(ranks.map(\.count)) == [single.count])
        for g in single.indices {
            #expect(ranks.flatMap { $0[g].keys } == single[g].keys)
            #expect(ranks.flatMap { $0[g].bytes } == single[g].bytes)
        }
    }

    @Test func everySampleOncePerEpochAndOrderChangesWithEpoch() throws {
        let l = try loader { $0.tail = .partial }
        let keys0 = try l.keys(epoch: 0).flatMap { $0 }
        #expect(keys0.count == l.sampleCount)
        #expect(Set(keys0) == Set(l.source.samples.map(\.key)))
        #expect(try l.keys(epoch: 1).flatMap { $0 } != keys0)
        #expect(try drain(l).flatMap(\.keys) == keys0)
    }

    @Test func resumeFromCounterContinuesTheSequence() throws {
        let l = try loader()
        let full = try drain(l, epoch: 2)
        let stream = try l.batches(epoch: 2)
        _ = try stream.next()
        let counter = try #require(try stream.next()).counter
        stream.close()
        let resumed = try drain(l, epoch: 2, start: counter)
        #expect(resumed.map(\.keys) == full.dropFirst(2).map(\.keys))
        #expect(resumed.map(\.bytes) == full.dropFirst(2).map(\.bytes))
    }

    @Test func pixelsAreTheDecodedCropInEveryLayout() throws {
        let u8 = try loader { $0.layout = .uint8NHWC; $0.split = "val" }
        let f32 = try loader { $0.split = "val" }
        let norm = try loader { $0.split = "val"; $0.normalize = true }
        let (a, b, c) = (try u8.batches(epoch: 0).next()!, try f32.batches(epoch: 0).next()!, try norm.batches(epoch: 0).next()!)
        #expect(a.keys == b.keys && b.keys == c.keys)
        let p = 32
        let release = try Release.open(try Self.release.get())
        for (slot, key) in a.keys.enumerated() {
            let ref = try #require(u8.source.samples.first { $0.key == key })
            let sample = try #require(release.samples.first { $0.key == key })
            #expect(ref.classId == Int32(u8.classes.firstIndex(of: sample.labels.model)!))
            let image = try PNG.decode(try u8.pngBytes(key: key))
            let plan = try u8.cropPlan(ref, epoch: 0)
            #expect(plan.x == CropPlan.halfEven(image.width - p) && !plan.flip)
            let crop = image.cropped(x: plan.x, y: plan.y, width: p, height: p).pixels
            #expect(Array(a.bytes[(slot * p * p * 3)..<((slot + 1) * p * p * 3)]) == crop)
            for i in stride(from: 0, to: p * p, by: 37) {
                for ch in 0..<3 {
                    let v = Float(crop[i * 3 + ch]) / 255
                    #expect(b.floats[slot * 3 * p * p + ch * p * p + i] == v)
                    #expect(c.floats[slot * 3 * p * p + ch * p * p + i] == (v - ImageNetStats.mean[ch]) / ImageNetStats.std[ch])
                }
            }
        }
    }

    @Test func generalPNGsDecodeThroughTheFallback() throws {
        // Sequential order and centre crops (val) do not depend on the manifest hash, so the batches must agree.
        let shardFormat = try drain(loader { $0.split = "val" })
        let other = try BatchLoader(release: try TestRelease.make(pngOptions: .standard, frames: .perSample), options: TestRelease.options { $0.split = "val" })
        #expect(try drain(other).map(\.bytes) == shardFormat.map(\.bytes))
    }

    /// The ways of reading give the same bytes: one frame per band (format 3, streaming, the default),
    /// the same release through the shard cache, a format-2 release (one frame per sample) and a
    /// format-1 release (one frame per shard).
    @Test func streamingCacheAndFormatOneAgree() throws {
        let streaming = try loader { $0.hflip = true; $0.threads = 2 }
        #expect(streaming.streams)
        let cached = try loader { $0.hflip = true; $0.cacheBytes = 1 << 26 }
        #expect(!cached.streams)
        #expect(try drain(streaming, epoch: 3).map(\.bytes) == drain(cached, epoch: 3).map(\.bytes))
        // Across formats the manifest (so the shuffle) differs: compare sequential val batches.
        let format1 = try BatchLoader(release: try TestRelease.make(frames: .single), options: TestRelease.options { $0.split = "val" })
        #expect(!format1.streams)
        #expect(try drain(format1).map(\.bytes) == drain(loader { $0.split = "val" }).map(\.bytes))
        let format2 = try BatchLoader(release: try TestRelease.make(frames: .perSample), options: TestRelease.options { $0.split = "val" })
        #expect(format2.streams)
        #expect(try drain(format2).map(\.bytes) == drain(loader { $0.split = "val" }).map(\.bytes))
        let key = streaming.source.samples[5].key
        #expect(try streaming.pngBytes(key: key) == cached.pngBytes(key: key))
    }

    @Test func flipsMirrorTheCrop() throws {
        let plain = try loader { $0.layout = .uint8NHWC }
        let flipped = try loader { $0.layout = .uint8NHWC; $0.hflip = true }
        let sample = plain.source.samples[0]
        var sawFlip = false
        for epoch in 0..<8 {
            let plan = try flipped.cropPlan(sample, epoch: epoch)
            guard plan.flip else { continue }
            sawFlip = true
            let stream = try flipped.batches(epoch: epoch)
            while let b = try stream.next() {
                guard let slot = b.keys.firstIndex(of: sample.key) else { continue }
                let patch = try flipped.patch(of: sample, epoch: epoch), p = 32
                let got = Array(b.bytes[(slot * p * p * 3)..<((slot + 1) * p * p * 3)])
                for y in 0..<p { for x in 0..<p { for c in 0..<3 {
                    #expect(got[(y * p + x) * 3 + c] == patch[(y * p + (p - 1 - x)) * 3 + c])
                } } }
                break
            }
            break
        }
        #expect(sawFlip)
    }
}
