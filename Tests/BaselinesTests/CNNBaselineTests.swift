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

    @Test func aSavedModelPredictsWhatTheTrainedOneDid() throws {
        let data = try SmallRelease.data()
        let cnn = Self.tiny()
        let net = try cnn.train(data)
        let direct = Predictions.encode(try cnn.predict(net, data))
        let file = try SmallRelease.scratch("cnn-model").appendingPathComponent("cnn.safetensors")
        try CNNModelFile.save(net, classes: data.classes, settings: cnn, to: file)
        let (loaded, highpass) = try CNNModelFile.load(file, classes: data.classes)
        #expect(highpass == 16)
        #expect(Predictions.encode(try cnn.predict(loaded, data)) == direct)
        // Yu et al.'s raw input, a constant learning rate and a coarser test grid each change the predictions.
        var raw = Self.tiny(), constant = Self.tiny(), coarse = Self.tiny()
        (raw.highpass, constant.schedule, coarse.testStride) = (0, .constant, 8)
        for other in [raw, constant, coarse] { #expect(direct != Predictions.encode(try other.run(data))) }
        // Other classes, or a file that is not a cnn model, are refused naming the file.
        #expect { try CNNModelFile.load(file, classes: Array(data.classes.reversed())) } throws: {
            "\($0)".contains(file.path) && "\($0)".contains("other classes")
        }
        let other = file.deletingLastPathComponent().appendingPathComponent("plain.safetensors")
        try writeSafetensors(net.parameters.stateDict, to: other)
        #expect { try CNNModelFile.load(other, classes: data.classes) } throws: { "\($0)".contains("not a cnn baseline model") }
    }

    @Test func theHighPassInputIsEachPixelMinusItsNeighbourhoodMean() {
        // A 4x3 image whose red channel is 10 * x + y; the 3x3 mean at an inner pixel is the pixel.
        var image = RGBImage(width: 4, height: 3)
        for y in 0..<3 { for x in 0..<4 { image[x, y, 0] = UInt8(10 * x + y); image[x, y, 1] = 7 } }
        let p = CNNBaseline.planes(image, x: 0, y: 0, patch: 2, highpass: 9 * 255 / 2)
        // (0, 0) with edges repeated sees x in {0, 0, 1} and y in {0, 0, 1}: 9 * 0 - (3 * 10 + 3 * 1) = -33
        // (gain 9 * 255 / 2 undoes the scale); (1, 1) is inside and the channel linear: 0.
        #expect(abs(p[0] + 33) < 1e-4 && p[3] == 0)
        #expect(p[4..<8].allSatisfy { $0 == 0 })  // a constant channel has no high-pass energy
        let flipped = CNNBaseline.planes(image, x: 0, y: 0, patch: 2, flip: true, highpass: 9 * 255 / 2)
        #expect(flipped[1] == p[0] && flipped[0] == p[1])
    }

    @Test func theCosineScheduleDecaysToZero() {
        var cnn = CNNBaseline()
        cnn.schedule = .cosine
        #expect(cnn.learningRate(step: 0, of: 100) == cnn.learningRate)
        #expect(abs(cnn.learningRate(step: 50, of: 100) - cnn.learningRate / 2) < 1e-12)
        #expect(cnn.learningRate(step: 99, of: 100) < cnn.learningRate * 1e-3)
    }

    @Test func aPatchLargerThanTheImagesIsAClearError() throws {
        var cnn = Self.tiny()
        cnn.patch = 64
        #expect { try cnn.run(try SmallRelease.data()) } throws: { "\($0)".contains("--patch 32") }
    }
}
