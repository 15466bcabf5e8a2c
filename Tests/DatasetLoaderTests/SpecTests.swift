import Foundation
import Testing
@testable import DatasetLoader

/// The order, rank plan and crop specification against the Python reference's numbers
/// (Fixtures/spec.json, made by Scripts/make_loader_fixtures.py from python/sisr_loader/reference.py).
@Suite struct SpecTests {
    struct Spec: Decodable {
        struct Item: Decodable { let key: String; let shard: Int }
        struct Order: Decodable { let seed: UInt64; let epoch: Int; let window: Int; let shuffle: Bool; let split: String; let order: [Int] }
        struct Crop: Decodable {
            let seed: UInt64; let epoch: Int; let key: String; let width: Int; let height: Int; let patch: Int
            let mode: CropMode; let hflip: Bool; let x: Int; let y: Int; let flip: Bool
        }
        struct Plan: Decodable {
            let count: Int; let batch: Int; let rank: Int; let world: Int; let start: Int; let tail: TailPolicy; let batches: [[Int]]
        }
        let items: [Item]
        let manifest_sha256: String
        let orders: [Order]
        let crops: [Crop]
        let plans: [Plan]
    }

    static func spec() throws -> Spec {
        try fixtures.decode(Spec.self, "spec.json")
    }

    @Test func ordersMatchPythonReference() throws {
        let spec = try Self.spec()
        let items = spec.items.map { EpochOrder.Item(key: $0.key, shard: $0.shard) }
        for o in spec.orders {
            let got = EpochOrder.permutation(of: items, manifestSHA256: spec.manifest_sha256, split: o.split, seed: o.seed,
                                             epoch: o.epoch, shuffle: o.shuffle, window: o.window)
            #expect(got == o.order, "seed \(o.seed) epoch \(o.epoch) window \(o.window)")
        }
    }

    @Test func cropsMatchPythonReference() throws {
        for c in try Self.spec().crops {
            let plan = try CropPlan.make(mode: c.mode, key: c.key, width: c.width, height: c.height, patch: c.patch,
                                         seed: c.seed, epoch: c.epoch, hflip: c.hflip)
            #expect(plan == CropPlan(x: c.x, y: c.y, size: c.patch, flip: c.flip), "\(c.key) \(c.mode)")
        }
    }

    @Test func plansMatchPythonReference() throws {
        for p in try Self.spec().plans {
            let plan = try EpochPlan(count: p.count, batchSize: p.batch, rank: p.rank, world: p.world, start: p.start, tail: p.tail)
            #expect((0..<plan.batchCount).map(plan.positions(ofBatch:)) == p.batches)
        }
    }

    @Test func orderIsAPermutationThatDependsOnSeedAndEpoch() throws {
        let items = (0..<200).map { EpochOrder.Item(key: "m\($0 % 7)__img\($0)", shard: $0 / 13) }
        func order(_ seed: UInt64, _ epoch: Int, window: Int = 3) -> [Int] {
            EpochOrder.permutation(of: items, manifestSHA256: "x", split: "train", seed: seed, epoch: epoch, shuffle: true, window: window)
        }
        #expect(order(1, 0).sorted() == Array(0..<200))
        #expect(order(1, 0) == order(1, 0))
        #expect(order(1, 0) != order(1, 1))
        #expect(order(1, 0) != order(2, 0))
        // Window of 3 shards: the first 3 shards' samples (by shard hash) come first, all together.
        let first = order(1, 0)
        var window = [Int]()
        for i in first where !window.contains(items[i].shard) && window.count < 3 { window.append(items[i].shard) }
        let inWindow = items.filter { window.contains($0.shard) }.count
        #expect(first.prefix(inWindow).allSatisfy { window.contains(items[$0].shard) })
        #expect(EpochOrder.permutation(of: items, manifestSHA256: "x", split: "train", seed: 1, epoch: 0, shuffle: false, window: 3)
            == Array(0..<200))
    }

    @Test func ranksMergeToTheSingleRankSequenceWithEqualCounts() throws {
        for (count, batch) in [(50, 4), (48, 4), (7, 3), (1, 2)] {
            let single = try EpochPlan(count: count, batchSize: batch * 3)
            let ranks = try (0..<3).map { try EpochPlan(count: count, batchSize: batch, rank: $0, world: 3) }
            #expect(Set(ranks.map(\.batchCount)) == [single.batchCount])
            for g in 0..<single.batchCount {
                #expect(ranks.flatMap { $0.positions(ofBatch: g) } == single.positions(ofBatch: g))
            }
            // Every position of the epoch appears at least once; only the wrapped tail repeats.
            let all = (0..<single.batchCount).flatMap(single.positions(ofBatch:))
            #expect(Set(all) == Set(0..<count))
            #expect(all.count - count < batch * 3)
        }
    }

    @Test func resumeContinuesExactly() throws {
        let full = try EpochPlan(count: 53, batchSize: 4, rank: 1, world: 2)
        let resumed = try EpochPlan(count: 53, batchSize: 4, rank: 1, world: 2, start: full.counter(afterBatch: 2))
        #expect(resumed.batchCount == full.batchCount - 3)
        for g in 0..<resumed.batchCount { #expect(resumed.positions(ofBatch: g) == full.positions(ofBatch: g + 3)) }
        #expect(throws: LoaderError.self) { try EpochPlan(count: 10, batchSize: 2, rank: 0, world: 2, tail: .partial) }
        #expect(throws: LoaderError.self) { try EpochPlan(count: 10, batchSize: 2, rank: 2, world: 2) }
    }

    @Test func centerCropRoundsLikeTorchvision() throws {
        // Python: int(round(d / 2)) rounds halves to even.
        for (d, expected) in [(0, 0), (1, 0), (2, 1), (3, 2), (5, 2), (7, 4), (9, 4)] { #expect(CropPlan.halfEven(d) == expected) }
        #expect(throws: LoaderError.self) {
            try CropPlan.make(mode: .random, key: "k", width: 10, height: 30, patch: 11, seed: 0, epoch: 0, hflip: false)
        }
    }
}
