import DatasetBuilder
import DatasetLoader
import Foundation
import SISRCore
import Testing
import TestSupport
@testable import Baselines

/// The release of the split-run and CNN tests: the 4 upsamplers over 30 procedural 40x40 images
/// (24 train, 3 test images per model).
enum SmallRelease {
    /// Built once per test process; a failure is reported by every test that reads it.
    static let built = Result<URL, any Error> {
        try SharedRelease.build("split-attribution", seed: 5, count: 30, width: 40, height: 40,
                                protocols: ["split-attribution": SharedRelease.attribution("split-attribution")])
    }

    static func data() throws -> ProtocolData {
        let dir = try built.get()
        let p = try ExperimentProtocol.load(nameOrPath: dir.appendingPathComponent("split-attribution.json").path)
        return try ProtocolData(release: dir.appendingPathComponent("release"), experiment: p)
    }

    /// A fresh folder for one test's output files.
    static func scratch(_ name: String) throws -> URL {
        let u = try built.get().appendingPathComponent(name + "-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }
}

/// A cheap deterministic denoiser (horizontal 3-tap mean, edges kept), so the split tests spend their
/// time on the split, not on BM3D (whose own tests are elsewhere).
struct RowMeanDenoiser: Denoiser {
    var name: String { "row-mean-3" }
    func denoise(_ image: PlanarImage) -> PlanarImage {
        var out = image
        let w = image.width
        for row in 0..<(image.height * image.channels) {
            for x in 1..<max(1, w - 1) {
                let i = row * w + x
                out.data[i] = (image.data[i - 1] + image.data[i] + image.data[i + 1]) / 3
            }
        }
        return out
    }
}

/// `sisr baseline --workers N` + `--merge`: every worker writes its partial file, the merge gives the
/// bytes of the one-machine run.
@Suite struct WorkerSplitTests {
    /// Runs `baseline` as `workers` workers through partial files, then merges.
    func splitRun(_ baseline: any SplittableBaseline, workers: Int, data: ProtocolData, dir: URL) throws -> [UInt8] {
        let out = dir.appendingPathComponent("\(baseline.name).jsonl")
        for w in 0..<workers {
            try baseline.extract(data, share: try WorkerShare(worker: w, workers: workers))
                .write(to: BaselinePartial.url(out: out, worker: w, workers: workers))
        }
        let parts = try BaselinePartial.readAll(
            out: out, baseline: baseline.name, settings: baseline.settings, protocolName: data.experiment.name,
            manifestSHA256: try data.manifestSHA256(), trainCount: data.train.samples.count, testCount: data.test.samples.count)
        return Predictions.encode(try baseline.finish(data, parts: parts))
    }

    @Test func prnuOverTwoWorkersEqualsOneMachineByteForByte() throws {
        let data = try SmallRelease.data()
        let prnu = PRNUProtocolBaseline(crop: 224, denoiser: RowMeanDenoiser())
        let one = Predictions.encode(try prnu.run(data))
        let dir = try SmallRelease.scratch("prnu")
        let two = try splitRun(prnu, workers: 2, data: data, dir: dir)
        #expect(two == one)
        #expect(!one.isEmpty)
        // The workers split the classes of the train split (class-ordered chunks) and the test split.
        let shares = try (0..<2).map { try WorkerShare(worker: $0, workers: 2) }
        let train = shares.map { data.trainPositions($0) }, test = shares.map { data.testPositions($0) }
        #expect(Set(train[0]).isDisjoint(with: train[1]) && train[0].count + train[1].count == data.train.samples.count)
        #expect(Set(test[0]).isDisjoint(with: test[1]) && test[0].count + test[1].count == data.test.samples.count)
        #expect(Set(train[0].map { data.train.classIds[$0] }) == [0, 1])
        // And through more workers than one per class.
        #expect(try splitRun(prnu, workers: 5, data: data, dir: try SmallRelease.scratch("prnu5")) == one)
    }

    @Test func featureBaselinesOverThreeWorkersEqualOneMachine() throws {
        let data = try SmallRelease.data()
        for b in [AcutanceBaseline(k: 5, crop: 32) as any SplittableBaseline, SpectralBaseline(crop: 32, iterations: 50)] {
            let one = Predictions.encode(try b.run(data))
            #expect(try splitRun(b, workers: 3, data: data, dir: try SmallRelease.scratch(b.name)) == one, "\(b.name)")
        }
    }

    @Test func mergeRefusesMissingWorkersAndOtherSettings() throws {
        let data = try SmallRelease.data()
        let dir = try SmallRelease.scratch("refuse")
        let out = dir.appendingPathComponent("a.jsonl")
        let b = AcutanceBaseline(k: 5, crop: 32)
        func merge(_ settings: [String: String]) throws {
            _ = try BaselinePartial.readAll(out: out, baseline: b.name, settings: settings, protocolName: data.experiment.name,
                                            manifestSHA256: try data.manifestSHA256(), trainCount: data.train.samples.count,
                                            testCount: data.test.samples.count)
        }
        #expect { try merge(b.settings) } throws: { "\($0)".contains("no partial results") }
        try b.extract(data, share: try WorkerShare(worker: 1, workers: 2)).write(to: BaselinePartial.url(out: out, worker: 1, workers: 2))
        #expect { try merge(b.settings) } throws: { "\($0)".contains("1 of 2 workers have not finished") && "\($0)".contains("a.jsonl.part-0-of-2.json") }
        try b.extract(data, share: try WorkerShare(worker: 0, workers: 2)).write(to: BaselinePartial.url(out: out, worker: 0, workers: 2))
        try merge(b.settings)
        var other = b.settings
        other["k"] = "7"
        #expect { try merge(other) } throws: { "\($0)".contains("a.jsonl.part-0-of-2.json") && "\($0)".contains("k = 5") }
        // A damaged partial names its file.
        try Data("{".utf8).write(to: BaselinePartial.url(out: out, worker: 1, workers: 2))
        #expect { try merge(b.settings) } throws: { "\($0)".contains("a.jsonl.part-1-of-2.json") }
    }
}
