import DatasetBuilder
import Foundation
import SISRCore
import Testing
import TestSupport

@Suite("Collecting BasicSR checkpoints into a weights folder")
struct WeightCollectorTests {
    /// A BasicSR EDSR x2 checkpoint (f8, 2 blocks) made by Scripts/make_model_fixtures.py.
    static let checkpoint = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SRModelsTests/Fixtures/models/edsr_x2.pth")

    func entry(_ name: String, numFeat: Int) -> ZooEntry {
        ZooEntry(
            name: name,
            labels: Labels(model: name, architecture: "EDSR", scale: "x2", loss: "L1", dataset: "div2k", seed: "s1",
                           pretrained: "false", family: "custom"),
            scale: 2,
            architecture: .init(engine: "EDSR", config: ["num_feat": .int(Int64(numFeat)), "num_block": .int(2), "upscale": .int(2)]),
            weights: .init(file: "\(name).pth", sha256: nil, format: "pytorch-pth", keyLayout: "basicsr", container: nil, source: nil),
            runnable: true)
    }

    @Test("a matching checkpoint is copied byte for byte; a mismatching one is refused and not copied; a missing one is reported")
    func collect() throws {
        let root = try TempDir("collect").url
        defer { try? FileManager.default.removeItem(at: root) }
        let experiments = root.appendingPathComponent("experiments"), out = root.appendingPathComponent("weights")
        for name in ["good", "wrong"] {
            let models = experiments.appendingPathComponent("\(name)/models")
            try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: Self.checkpoint, to: models.appendingPathComponent("net_g_50000.pth"))
        }
        let c = WeightCollector(experiments: experiments, out: out)
        #expect(c.collect(entry("good", numFeat: 8)) == .collected(file: out.appendingPathComponent("good.pth").path))
        #expect(try Data(contentsOf: out.appendingPathComponent("good.pth")) == Data(contentsOf: Self.checkpoint))
        guard case .failed(let problem) = c.collect(entry("wrong", numFeat: 16)) else {
            Issue.record("a 16-feature zoo entry accepted an 8-feature checkpoint")
            return
        }
        #expect(problem.contains("num_feat"), "\(problem)")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("wrong.pth").path))
        #expect(c.collect(entry("absent", numFeat: 8)) == .missing(path: experiments.appendingPathComponent("absent/models/net_g_50000.pth").path))
        let left = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(left == ["good.pth"])
    }
}
