import Foundation
import SISRCore
import Testing
@testable import DatasetLoader
import TestSupport

/// Protocol files: lookup, validation, selection with a withheld value, class order.
@Suite struct ProtocolTests {
    @Test func withheldValueSplitsTrainAndTest() throws {
        let release = try Release.open(try TestRelease.make())
        let proto = ExperimentProtocol(name: "t", models: ["family": ["custom"]], label: "scale",
                                       withheld: .init(parameter: "architecture", value: "RCAN"))
        let train = try ProtocolSelection(release: release, protocol: proto, split: "train")
        let test = try ProtocolSelection(release: release, protocol: proto, split: "test")
        #expect(train.classes == ["x2", "x4"] && test.classes == train.classes)
        #expect(!train.samples.isEmpty && train.samples.allSatisfy { $0.labels.architecture == "EDSR" && $0.split == "train" })
        #expect(!test.samples.isEmpty && test.samples.allSatisfy { $0.labels.architecture == "RCAN" && $0.split == "test" })
        for (s, id) in zip(train.samples, train.classIds) { #expect(train.classes[id] == s.labels.scale) }
        let models = try ProtocolSelection(release: release, protocol: .allModels, split: "val")
        #expect(models.classes == models.classes.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(models.classes.count == TestRelease.models.count)
    }

    @Test func lookupByNameAndPathAndValidation() throws {
        let dir = try TempDir("protos").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = #"{"name":"p","description":"d","models":{"loss":["L1"]},"label":"scale","withheld":null}"#
        try Data(good.utf8).write(to: dir.appendingPathComponent("p.json"))
        #expect(try ExperimentProtocol.load(nameOrPath: "p", directories: [dir]).models == ["loss": ["L1"]])
        #expect(try ExperimentProtocol.load(nameOrPath: dir.appendingPathComponent("p.json").path).label == "scale")
        let bad = #"{"name":"q","description":"","models":{},"label":"loss","withheld":{"parameter":"loss","value":"L1"}}"#
        try Data(bad.utf8).write(to: dir.appendingPathComponent("q.json"))
        #expect(throws: LoaderError.self) { try ExperimentProtocol.load(nameOrPath: "q", directories: [dir]) }
        #expect(throws: LoaderError.self) { try ExperimentProtocol.load(nameOrPath: "no-such-protocol", directories: [dir]) }
    }

    @Test func repositoryProtocolsAllLoad() throws {
        let names = ExperimentProtocol.available()
        for name in names { _ = try ExperimentProtocol.load(nameOrPath: name) }
    }
}

/// Whole images for baselines.
@Suite struct SampleImagesTests {
    @Test func imagesMatchTheIndexPixelHashes() throws {
        let release = try Release.open(try TestRelease.make())
        let images = SampleImages(release: release)
        for sample in release.samples.prefix(12) {
            #expect(try images.image(of: sample).pixelSHA256 == sample.pixelSHA256)
        }
    }
}
