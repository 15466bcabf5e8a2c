import DatasetBuilder
import DatasetLoader
import Foundation
import Testing
import SISRCore
@testable import Baselines
import TestSupport

/// PRNU through `BaselineRunner.prnu` on a small release built with the builder: nearest and bicubic
/// x2/x4 upsamplers over procedural 40x40 images (the wavelet denoiser keeps the debug build fast).
@Suite struct PRNURunnerTests {
    static let built = Result<URL, any Error> {
        try SharedRelease.build("p-attribution", seed: 3, count: 100, width: 40, height: 40,
                                protocols: ["p-attribution": SharedRelease.attribution("p-attribution")])
    }

    @Test func runsEndToEndAndBeatsChance() throws {
        let dir = try Self.built.get()
        let p = try ExperimentProtocol.load(nameOrPath: dir.appendingPathComponent("p-attribution.json").path)
        let data = try ProtocolData(release: dir.appendingPathComponent("release"), experiment: p)
        let preds = try BaselineRunner.prnu(data, crop: 224, denoiser: WaveletDenoiser(sigma: 5))
        #expect(preds.count == data.test.samples.count && !preds.isEmpty)
        #expect(preds.allSatisfy { $0.scores?.count == 4 })
        let right = zip(preds, data.task.samples).filter { $0.label == data.task.truth($1) }.count
        let acc = Double(right) / Double(preds.count)
        print("PRNU runner accuracy \(acc) on \(preds.count) test images")
        // Content-dependent upsampling traces average out in a mean residual, so PRNU is weak here (as in
        // the paper); the check is that the wiring (labels, class order, crops) gives better than chance
        // (0.25; measured 0.40 on 40 images, 2.2 standard deviations above chance).
        #expect(acc >= 0.35, "accuracy \(acc) (chance 0.25)")
        let corr = try BaselineRunner.prnu(data, crop: 224, denoiser: WaveletDenoiser(sigma: 5), match: .correlation)
        let rightCorr = zip(corr, data.task.samples).filter { $0.label == data.task.truth($1) }.count
        print("PRNU runner (correlation) accuracy \(Double(rightCorr) / Double(corr.count))")
        #expect(corr.allSatisfy { ($0.scores ?? []).allSatisfy { abs($0) <= 1 } })
        let again = try BaselineRunner.prnu(data, crop: 224, denoiser: WaveletDenoiser(sigma: 5))
        #expect(Predictions.encode(preds) == Predictions.encode(again))
    }
}
