import DatasetLoader
import Foundation
import Testing
import SISRCore
@testable import Baselines

/// Baselines and scorer on a small release written by the test.
@Suite struct EvaluationEndToEndTests {
    static let dir: URL = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("sisr-scoring-e2e-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: d)
        try! MiniRelease.write(to: d)
        return d
    }()

    func data(_ name: String) throws -> ProtocolData {
        let p = try ExperimentProtocol.load(nameOrPath: Self.dir.appendingPathComponent("protocols/\(name).json").path)
        return try ProtocolData(release: Self.dir, experiment: p)
    }

    @Test func acutanceAndSpectralRunAndScore() throws {
        let d = try data("mini-attribution")
        #expect(d.train.samples.count == 60 && d.test.samples.count == 50 && d.classes.count == 5)
        for (name, preds) in [("acutance", try BaselineRunner.acutance(d)), ("spectral", try BaselineRunner.spectral(d))] {
            // Through the file format and back.
            let url = Self.dir.appendingPathComponent("\(name).jsonl")
            try Predictions.write(preds, to: url)
            let task = d.task
            let read = try Predictions.read(url, classes: task.classes, expectedKeys: Set(task.samples.map(\.key)), protocolName: task.name)
            #expect(read.count == 50)
            let r = try Scorer().score(read, task: task, predictionsFile: url.path)
            // Scale and loss leave strong traces: both baselines beat chance (20%) clearly.
            #expect((r.overall.accuracy ?? 0) >= 0.4, "\(name): \(r.overall)")
            #expect(r.seedTriplets?.sets == 1)
            #expect(r.distanceRatio?.count == 5)
            #expect(r.confusion.flatMap { $0 }.reduce(0, +) == 50)
        }
    }

    @Test func spectralSeparatesScalesAndVotes() throws {
        let d = try data("mini-scale")
        // Withheld seed s2: train on the four s1 models, test on the s2 model only (10 images, x2).
        #expect(d.train.samples.count == 48 && d.test.samples.count == 10 && d.classes == ["x2", "x4"])
        let preds = try BaselineRunner.spectral(d)
        let r = try Scorer().score(preds, task: d.task)
        #expect(r.majorityVote?.groups.total == 1)
        #expect((r.overall.accuracy ?? 0) >= 0.8, "\(r.overall)")
        let acu = try Scorer().score(try BaselineRunner.acutance(d), task: d.task)
        #expect(acu.oneImage?.total == 10)
    }

    @Test func predictionsAreDeterministic() throws {
        let d = try data("mini-attribution")
        #expect(Predictions.encode(try BaselineRunner.spectral(d)) == Predictions.encode(try BaselineRunner.spectral(d)))
        #expect(Predictions.encode(try BaselineRunner.acutance(d)) == Predictions.encode(try BaselineRunner.acutance(d)))
    }
}
