import Foundation
import SISRCore
import SRModels
import Testing

@testable import SISRTraining
import TestSupport

/// The committed `manifests/training/*.yml` against `manifests/zoo.json`.
@Suite("The 180 training option files")
struct ZooOptionFilesTests {
    static let trainingDir = repositoryRoot.appendingPathComponent("manifests/training")

    static func customModels() throws -> [ZooEntry] {
        let url = repositoryRoot.appendingPathComponent("manifests/zoo.json")
        let zoo = try CanonicalJSON.decode(Zoo.self, from: [UInt8](Data(contentsOf: url)), path: url.path)
        return zoo.models.filter { $0.labels.family == "custom" }
    }

    static func canonicalJSON(_ config: any ArchitectureConfig) throws -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return String(decoding: try enc.encode(config), as: UTF8.self)
    }

    @Test("every custom zoo model has an option file that matches it")
    func matchZoo() throws {
        let models = try Self.customModels()
        #expect(models.count == 180)
        let datasets = [
            "div2k": ("DIV2K_train_HR", "div2k.txt"), "quarter_div2k": ("DIV2K_train_HR", "quarter_div2k.txt"),
            "flickr2k": ("Flickr2K_HR", "flickr2k.txt"), "quarter_flickr2k": ("Flickr2K_HR", "quarter_flickr2k.txt"),
        ]
        for model in models {
            let name = model.name
            let labels = model.labels
            let scale = model.scale
            let path = Self.trainingDir.appendingPathComponent("\(name).yml").path
            let o = try TrainingOptions.load(path: path)
            #expect(o.name == name)
            #expect(o.scale == scale && o.train.totalIter == 50000)
            #expect(o.manualSeed == Int(labels.seed.dropFirst()), "\(name)")

            let engine = try Architecture(named: model.architecture.engine)
            let zooConfig = try engine.resolveConfig(
                configJSON: Data(CanonicalJSON.encode(JSONValue.object(model.architecture.config))), stateDict: nil, scale: nil)
            #expect(o.networkG.architecture == engine, "\(name)")
            #expect(try Self.canonicalJSON(o.networkG.config) == Self.canonicalJSON(zooConfig), "\(name)")

            let (hr, meta) = try #require(datasets[labels.dataset])
            #expect(o.trainDataset.datarootGT.hasSuffix("/\(hr)"), "\(name)")
            #expect(o.trainDataset.datarootLQ?.hasSuffix("_LR_bicubic/X\(scale)") == true, "\(name)")
            #expect(o.trainDataset.metaInfoFile == "manifests/training/meta_info/\(meta)", "\(name)")
            #expect(o.trainDataset.filenameTemplate == "{}x\(scale)")

            switch labels.loss {
            case "L1":
                #expect(o.modelType == .srModel && o.train.pixelLoss?.kind == .l1 && o.train.perceptualLoss == nil)
            case "VGG_GAN":
                #expect(o.modelType == .srganModel && o.train.pixelLoss == nil)
                guard case .vgg(let v) = o.train.perceptualLoss else { Issue.record("\(name): not VGG"); continue }
                #expect(v.layerWeights == [LayerWeight(layer: "relu5_4", weight: 1)] && v.criterion == .l2)
                #expect(o.train.ganLoss?.lossWeight == 1e-3 && o.train.ganLoss?.ganType == "vanilla")
            case "ResNet_GAN":
                #expect(o.modelType == .srganModel && o.train.pixelLoss == nil)
                guard case .resnet(let r) = o.train.perceptualLoss else { Issue.record("\(name): not ResNet"); continue }
                #expect(r.layerWeights == [LayerWeight(layer: "layer3", weight: 1)] && r.criterion == .l2)
                #expect(o.train.ganLoss?.lossWeight == 1e-3)
            case let other: Issue.record("\(name): unknown loss \(other)")
            }
            if let d = o.networkD { #expect(d.inputSize == o.trainDataset.gtSize) }
            #expect(o.basicSRIncompatibilities.isEmpty)
        }
    }

    @Test("index.tsv lists every option file once, GPU groups contiguous, batch fixed at 16")
    func index() throws {
        let text = try String(contentsOf: Self.trainingDir.appendingPathComponent("index.tsv"), encoding: .utf8)
        let rows = text.split(separator: "\n").dropFirst().map { $0.split(separator: "\t").map(String.init) }
        #expect(rows.map { Int($0[0]) } == Array(0..<180))
        let names = Set(rows.map { $0[2] })
        #expect(names.count == 180)
        let gpus = rows.map { Int($0[1])! }
        #expect(gpus == gpus.sorted())
        for row in rows {
            let o = try TrainingOptions.load(path: repositoryRoot.appendingPathComponent(row[2]).path)
            #expect(o.numGPU == .count(Int(row[1])!))
            #expect((o.trainDataset.batchSizePerGPU ?? 0) * Int(row[1])! == 16)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.trainingDir.path).filter { $0.hasSuffix(".yml") }
        #expect(Set(files.map { "manifests/training/\($0)" }) == names)
    }
}
