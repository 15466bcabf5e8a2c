import Foundation
import SRModels
import Testing

@testable import SISRTraining
import TestSupport

/// The demo zoo's option files (manifests/demo-training) parse, name themselves after their file, and
/// build trainable networks of the demo zoo's sizes (16 features): 8 L1 networks (x2, x4) and 4
/// perceptual + GAN x4 networks fine-tuned from their L1 network's committed checkpoint.
@Suite struct DemoTrainingOptionsTests {
    static let dir = repositoryRoot.appendingPathComponent("manifests/demo-training")
    static let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".yml") }.sorted()

    @Test func allTwelveNetworksAreThere() {
        #expect(Self.files.count == 12)
        #expect(Self.files.filter { $0.contains("-L1-") }.count == 8)
    }

    @Test(arguments: files)
    func parsesAndBuilds(_ file: String) throws {
        let o = try TrainingOptions.load(path: Self.dir.appendingPathComponent(file).path)
        #expect(o.name + ".yml" == file)
        #expect(o.manualSeed == 1)
        if file.contains("-RandVGG_GAN-") {
            #expect(o.modelType == .srganModel && o.networkD != nil)
            let l1 = file.replacingOccurrences(of: "-RandVGG_GAN-", with: "-L1-").replacingOccurrences(of: ".yml", with: ".safetensors")
            #expect(o.path.pretrainNetworkG == "manifests/demo-weights/\(l1)" && o.path.paramKeyG == "params_ema")
        } else {
            #expect(o.modelType == .srModel && o.path.pretrainNetworkG == nil)
        }
        let g = try makeTrainableGenerator(o.networkG.architecture, configJSON: try o.networkG.configJSON, seed: 1)
        #expect(g.parameters.parameters.first?.value.shape.first == 16)
    }
}
