import DatasetBuilder
import DatasetLoader
import Foundation
import Testing
import SISRCore
@testable import Baselines
import TestSupport

/// Baselines and scorer on a small release built in the test with the builder's API: four classical
/// demo upsamplers (nearest and bicubic, x2 and x4) over 110 procedural 48x48 images (88/11/11 split).
@Suite struct EvaluationEndToEndTests {
    static let models = SharedRelease.upsamplers

    /// Built once for the suite; a failure is reported by every test that needs it.
    static let built = Result<URL, any Error> {
        try SharedRelease.build("scoring-e2e", seed: 0, count: 110, width: 48, height: 48, models: models, protocols: [
            "t-attribution": SharedRelease.attribution("t-attribution"),
            "t-scale": #"{"name":"t-scale","description":"","models":{},"label":"scale","withheld":{"parameter":"architecture","value":"Bicubic"}}"#,
        ], protocolFolder: "protocols")
    }

    static var dir: URL { get throws { try built.get() } }

    func data(_ name: String) throws -> ProtocolData {
        let p = try ExperimentProtocol.load(nameOrPath: Self.dir.appendingPathComponent("protocols/\(name).json").path)
        return try ProtocolData(release: Self.dir.appendingPathComponent("release"), experiment: p)
    }

    @Test func acutanceAndSpectralRunAndScore() throws {
        let d = try data("t-attribution")
        #expect(d.train.samples.count == 4 * 88 && d.test.samples.count == 4 * 11 && d.classes.count == 4)
        for (name, preds) in [("acutance", try BaselineRunner.acutance(d)), ("spectral", try BaselineRunner.spectral(d))] {
            // Through the file format and back.
            let url = try Self.dir.appendingPathComponent("\(name).jsonl")
            try Predictions.write(preds, to: url)
            let task = d.task
            let read = try Predictions.read(url, classes: task.classes, expectedKeys: Set(task.samples.map(\.key)), protocolName: task.name)
            #expect(read.count == 44)
            let r = try Scorer().score(read, task: task, predictionsFile: url.path)
            // Nearest vs bicubic and x2 vs x4 leave strong traces: both beat chance (25%) clearly.
            #expect((r.overall.accuracy ?? 0) >= 0.5, "\(name): \(r.overall)")
            #expect(r.seedTriplets == nil)  // no seed siblings among the demo models
            #expect(r.distanceRatio?.count == 4)
            #expect(r.confusion.flatMap { $0 }.reduce(0, +) == 44)
            #expect(r.byParameter["architecture"]?["Nearest"]?.total == 22)
        }
    }

    @Test func parsingWithWithheldArchitectureAndVote() throws {
        let d = try data("t-scale")
        // Withheld Bicubic: train on the nearest models, test on the bicubic ones (11 images each).
        #expect(d.train.samples.count == 2 * 88 && d.test.samples.count == 2 * 11 && d.classes == ["x2", "x4"])
        let r = try Scorer().score(try BaselineRunner.spectral(d), task: d.task)
        #expect(r.oneImage?.total == 22)
        #expect(r.majorityVote?.groups.total == 2 && r.majorityVote?.imagesDropped == 2)
        let acu = try Scorer(voteSize: 5).score(try BaselineRunner.acutance(d), task: d.task)
        #expect(acu.majorityVote?.groups.total == 4 && acu.majorityVote?.imagesDropped == 2)
    }

    @Test func prnuRunsAndScores() throws {
        let d = try data("t-attribution")
        // The wavelet denoiser keeps the test fast; BM3D is the default of `sisr baseline prnu`.
        let preds = try BaselineRunner.prnu(d, denoiser: WaveletDenoiser(sigma: 5))
        #expect(preds.count == 44 && preds.allSatisfy { $0.scores?.count == 4 })
        let r = try Scorer().score(preds, task: d.task)
        #expect(r.overall.total == 44)
        #expect(r.confusion.flatMap { $0 }.reduce(0, +) == 44)
    }

    @Test func predictionsAreDeterministic() throws {
        let d = try data("t-attribution")
        #expect(Predictions.encode(try BaselineRunner.spectral(d)) == Predictions.encode(try BaselineRunner.spectral(d)))
        #expect(Predictions.encode(try BaselineRunner.acutance(d)) == Predictions.encode(try BaselineRunner.acutance(d)))
    }
}
