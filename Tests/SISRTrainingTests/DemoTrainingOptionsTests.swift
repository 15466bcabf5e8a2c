import Foundation
import SRModels
import Testing

@testable import SISRTraining
import TestSupport

/// The demo zoo's option files (manifests/demo-training) parse, name themselves after their file, and
/// build trainable networks of the demo zoo's sizes (16 features).
@Suite struct DemoTrainingOptionsTests {
    static let dir = repositoryRoot.appendingPathComponent("manifests/demo-training")
    static let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".yml") }.sorted()

    @Test func allEightNetworksAreThere() {
        #expect(Self.files.count == 8)
    }

    @Test(arguments: files)
    func parsesAndBuilds(_ file: String) throws {
        let o = try TrainingOptions.load(path: Self.dir.appendingPathComponent(file).path)
        #expect(o.name + ".yml" == file)
        #expect(o.modelType == .srModel && o.manualSeed == 1)
        let g = try makeTrainableGenerator(o.networkG.architecture, configJSON: try o.networkG.configJSON, seed: 1)
        #expect(g.parameters.parameters.first?.value.shape.first == 16)
    }
}
