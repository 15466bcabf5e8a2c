import Foundation
import SISRCore
import SRModels
import Testing
@testable import Baselines

/// `sisr baseline cnn` on the small release with a tiny network and two epochs (seconds in debug).
@Suite struct CNNBaselineTests {
    static func tiny() -> CNNBaseline {
        var cnn = CNNBaseline()
        cnn.patch = 16
        cnn.fmapBase = 32
        cnn.fmapMax = 8
        cnn.epochs = 2
        cnn.batchSize = 8
        return cnn
    }

    @Test func sameBytesForOneAndTwoThreads() throws {
        let data = try SmallRelease.data()
        var cnn = Self.tiny()
        let runs = try [1, 2].map { threads -> [UInt8] in
            return Predictions.encode(try EngineSettings.current.with(threads: threads).run { try cnn.run(data) })
        }
        #expect(runs[0] == runs[1])
        // The file is what `sisr evaluate` reads: one line per test key, labels among the classes,
        // probabilities that sum to 1 and features of one length.
        let task = data.task
        let read = try Predictions.parse(runs[0], path: "cnn.jsonl", classes: task.classes,
                                         expectedKeys: Set(task.samples.map(\.key)), protocolName: task.name)
        #expect(read.count == task.samples.count)
        #expect(read.allSatisfy { abs(($0.scores ?? []).reduce(0, +) - 1) < 1e-9 && $0.features?.count == 8 })
        // Another seed trains another network.
        cnn.seed = 1
        #expect(Predictions.encode(try cnn.run(data)) != runs[0])
    }

    @Test func trainingLowersTheLoss() throws {
        let data = try SmallRelease.data()
        var cnn = Self.tiny()
        cnn.epochs = 4
        var losses: [Double] = []
        var steps = 0
        _ = try cnn.run(data, onStep: { steps += 1 }, onEpoch: { _, loss in losses.append(loss) })
        #expect(steps == cnn.workCount(data))
        #expect(losses.count == 4 && losses.last! < losses.first!, "\(losses)")
    }

    @Test func aPatchLargerThanTheImagesIsAClearError() throws {
        var cnn = Self.tiny()
        cnn.patch = 64
        #expect { try cnn.run(try SmallRelease.data()) } throws: { "\($0)".contains("--patch 32") }
    }
}
