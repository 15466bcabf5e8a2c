import DatasetBuilder
import Foundation
import SISRCore
import SRModels
import Testing
import TestSupport

@Suite struct ZooManifestTests {
    func read(_ path: String) throws -> [UInt8] {
        [UInt8](try #require(FileManager.default.contents(atPath: repositoryRoot.appendingPathComponent(path).path), "\(path) missing"))
    }

    @Test func paperZooHas205ModelsWithCanonicalNamesAndRoundTrips() throws {
        let bytes = try read("manifests/zoo.json")
        let zoo = try CanonicalJSON.decode(Zoo.self, from: bytes, path: "manifests/zoo.json")
        try zoo.validate(path: "manifests/zoo.json")
        #expect(zoo.models.count == 205)
        let custom = zoo.models.filter { $0.labels.family == "custom" }
        let pretrained = zoo.models.filter { $0.labels.family == "pretrained" }
        #expect(custom.count == 180 && pretrained.count == 25)
        for m in custom {
            let l = m.labels
            #expect(m.name == "\(l.architecture)-\(l.dataset)-\(l.scale)-\(l.loss)-\(l.seed)")
            #expect(m.weights?.sha256 == nil && m.runnable)
        }
        #expect(Set(custom.map(\.labels.architecture)) == ["EDSR", "RDN", "RCAN", "SwinIR", "NLSN"])
        let combos: Set<String> = Set(custom.map { (e: ZooEntry) -> String in e.labels.dataset + "-" + e.labels.seed })
        #expect(combos.count == 6)
        #expect(pretrained.allSatisfy { $0.name.hasSuffix("-NA-pretrained") && $0.labels.seed == "NA" })
        #expect(zoo.entry(named: "SwinIR-div2k-x4-GAN-NA-pretrained")?.weights?.container == "params_ema")
        #expect(zoo.entry(named: "RCAN-div2k-x4-VGG_GAN-s2") != nil)
        #expect(Set(zoo.models.filter { !$0.runnable }.map(\.labels.architecture))
                .isEmpty)
        // Python's json.dumps(indent=2, sort_keys=True) and Swift's canonical pretty JSON agree.
        #expect(try CanonicalJSON.encode(zoo, pretty: true) == bytes)
    }

    @Test func demoZooFileIsTheBuiltInZoo() throws {
        let bytes = try read("manifests/demo-zoo.json")
        #expect(try CanonicalJSON.encode(DemoZoo.zoo, pretty: true) == bytes)
        try DemoZoo.zoo.validate(path: "demo")
        #expect(DemoZoo.zoo.models.allSatisfy { $0.labels.family == "demo" })
        let networks = DemoZoo.zoo.models.filter { $0.architecture.engine != "classical" }
        #expect(networks.count == DemoZoo.networks.count && networks.count == 12)
        for e in networks {
            #expect(DemoZoo.losses.contains(e.labels.loss) && e.labels.dataset == "demo", "\(e.name)")
            // Each network's option file trains exactly this network, and its committed checkpoint has the
            // zoo's SHA-256 (the builder checks the hash again when it loads the file).
            let options = try String(contentsOf: repositoryRoot.appendingPathComponent("manifests/demo-training/\(e.name).yml"), encoding: .utf8)
            #expect(options.contains("\nname: \(e.name)\n") && options.contains("type: \(e.labels.architecture),"), "\(e.name)")
            let file = try #require(e.weights?.file)
            #expect(e.weights?.format == "safetensors" && e.weights?.container == "params_ema")
            let sha = try SHA256Hasher.hex(file: repositoryRoot.appendingPathComponent("manifests").appendingPathComponent(file))
            #expect(sha == e.weights?.sha256, "\(file)")
        }
        #expect(!(try String(contentsOf: repositoryRoot.appendingPathComponent("manifests/demo-zoo.json"), encoding: .utf8)).contains("untrained"))
    }

    /// `Scripts/demo_zoo.sh hashes` (run by `train` after training) writes DemoZoo's SHA-256 table
    /// from manifests/demo-weights/: on the committed weights it gives the committed file byte for
    /// byte, also from a copy whose table is wrong, and the table is what the zoo uses.
    @Test(.enabled(if: Tools.has("bash") && Tools.has("sha256sum") && Tools.has("awk"), "needs bash, sha256sum and awk"))
    func hashTableWriterReproducesDemoZooSwift() throws {
        let t = try TempDir("demohashes")
        defer { t.cleanup() }
        let source = repositoryRoot.appendingPathComponent("Sources/DatasetBuilder/DemoZoo.swift")
        let committed = try Data(contentsOf: source)
        let first = try #require(DemoZoo.networks.first)
        var text = String(decoding: committed, as: UTF8.self)
        text = text.replacingOccurrences(of: first.sha256, with: String(repeating: "0", count: 64))
        let copy = t.sub("DemoZoo.swift")
        try Data(text.utf8).write(to: copy)
        #expect(try Data(contentsOf: copy) != committed)
        let r = try Subprocess.run(try #require(Tools.find("bash")), [repositoryRoot.appendingPathComponent("Scripts/demo_zoo.sh").path, "hashes", copy.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Data(contentsOf: copy) == committed, "the written table differs from DemoZoo.swift")
        #expect(DemoZoo.networks.allSatisfy { $0.sha256.count == 64 })
    }

    @Test func frozenSplitsMatchTheSwiftRule() throws {
        for (file, count, sizes) in [("flickr1k.json", 1000, [800, 100, 100]), ("procedural-default.json", 30, [24, 3, 3])] {
            let bytes = try read("manifests/splits/\(file)")
            let frozen = try CanonicalJSON.decode(Splits.self, from: bytes, path: file)
            let ids = (0..<count).map { ImageSource.proceduralID($0) }
            #expect(Splits.derive(ids: ids, seed: 0, name: "images") == frozen, "\(file)")
            #expect([frozen.train.count, frozen.val.count, frozen.test.count] == sizes)
            #expect(try CanonicalJSON.encode(frozen, pretty: true) == bytes)
        }
    }

    @Test func unrunnableModelsAreReportedNotFatal() throws {
        let t = try TempDir("unavail")
        defer { t.cleanup() }
        var o = smallOptions()
        o.models = ["Bicubic-NA-x2-NA-NA", "EDSR-demo-x4-L1-s1"]
        o.zoo.models.append(ZooEntry(
            name: "LIIF-div2k-x4-L1-NA-pretrained",
            labels: Labels(model: "LIIF-div2k-x4-L1-NA-pretrained", architecture: "LIIF", scale: "x4", loss: "L1",
                           dataset: "div2k", seed: "NA", pretrained: "true", family: "pretrained"),
            scale: 4, architecture: .init(engine: "NoSuchEngine", config: [:]), weights: nil, runnable: false))
        o.models?.append("LIIF-div2k-x4-L1-NA-pretrained")
        let r = try runBuild(o, into: t.url)
        let m = try #require(r.manifest)
        #expect(m.unavailable.map(\.model).contains("LIIF-div2k-x4-L1-NA-pretrained"))
        #expect(Set(try Release.open(t.url).samples.map(\.model)).contains("Bicubic-NA-x2-NA-NA"))
        o.models = ["No-such-model"]
        #expect(throws: SISRError.self) { _ = try runBuild(o, into: t.sub("other")) }
    }

    @Test func missingWeightsMakeAModelUnavailableAndNameTheFile() throws {
        var e = try #require(DemoZoo.zoo.entry(named: "Bicubic-NA-x2-NA-NA"))
        e.weights = .init(file: "bicubic.pth", sha256: nil, format: "pytorch-pth", keyLayout: "basicsr", container: nil, source: nil)
        let dir = URL(fileURLWithPath: "/nonexistent-weights")
        let reason = try #require(ModelFactory(weightsDirectory: dir).unavailableReason(e))
        #expect(reason.contains("/nonexistent-weights/bicubic.pth"))
    }

    @Test func badWeightFilesStopTheBuildNamingTheFile() throws {
        let t = try TempDir("badweights")
        defer { t.cleanup() }
        try FileManager.default.createDirectory(at: t.sub("w"), withIntermediateDirectories: true)
        try Data("this is not a checkpoint".utf8).write(to: t.sub("w/edsr.pth"))
        var e = try #require(DemoZoo.zoo.entry(named: "EDSR-demo-x2-L1-s1"))
        e.weights = .init(file: "edsr.pth", sha256: nil, format: "pytorch-pth", keyLayout: "basicsr", container: "params", source: nil)
        let factory = ModelFactory(weightsDirectory: t.sub("w"))
        #expect(factory.unavailableReason(e) == nil)
        do {
            _ = try factory.make(e)
            Issue.record("expected an error")
        } catch let error as ZooModelError {
            // The reader's typed error passes through, with the model and the file.
            #expect(error.model == e.name && error.file == t.sub("w/edsr.pth").path)
            #expect(error.cause is WeightError, "\(error.cause)")
            #expect("\(error)".contains(t.sub("w/edsr.pth").path) && "\(error)".contains(e.name), "\(error)")
        }
        e.weights?.sha256 = String(repeating: "0", count: 64)
        do {
            _ = try factory.make(e)
            Issue.record("expected an error")
        } catch { #expect("\(error)".contains("edsr.pth") && "\(error)".contains("SHA-256"), "\(error)") }
    }

    /// A checkpoint that loads but does not fit the zoo's config: the architecture's typed error,
    /// naming the file, passes through the factory; a fitting one runs as `sisr upscale` runs it.
    @Test func zooModelsAreBuiltBySRModelsWithTypedErrors() throws {
        let t = try TempDir("zoomodel")
        defer { t.cleanup() }
        let fixture = repositoryRoot.appendingPathComponent("Tests/SRModelsTests/Fixtures/models/edsr_x2.pth")  // f8, 2 blocks
        try FileManager.default.createDirectory(at: t.sub("w"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture, to: t.sub("w/edsr.pth"))
        var e = try #require(DemoZoo.zoo.entry(named: "EDSR-demo-x2-L1-s1"))
        e.weights = .init(file: "edsr.pth", sha256: nil, format: "pytorch-pth", keyLayout: "basicsr", container: nil, source: nil)
        let factory = ModelFactory(weightsDirectory: t.sub("w"))
        e.architecture.config["num_feat"] = .int(16)
        do {
            _ = try factory.make(e)
            Issue.record("a 16-feature entry accepted an 8-feature checkpoint")
        } catch let error as ZooModelError {
            guard case .invalidConfig(let message)? = error.cause as? ModelError else {
                Issue.record("cause is not ModelError.invalidConfig: \(error.cause)")
                return
            }
            #expect(message.contains("num_feat"), "\(message)")
            #expect("\(error)".contains(t.sub("w/edsr.pth").path) && "\(error)".contains(e.name), "\(error)")
        }
        e.architecture.config["num_feat"] = .int(8)
        let model = try factory.make(e)
        let lr = Procedural.image(seed: 1, index: 0, width: 11, height: 7)
        let net = try Architecture.edsr.build(configJSON: Data(try CanonicalJSON.encode(JSONValue.object(e.architecture.config))),
                                              stateDict: try loadStateDict(fixture), name: "edsr_x2.pth", scale: 2)
        #expect(try model.upscale(lr) == superResolve(lr, network: net))
        #expect(ModelFactory.engineNames.count == Architecture.allCases.count + 1)
        #expect(ModelFactory.Engine(named: "SwinIR") == .network(.swinir) && ModelFactory.Engine(named: "NoSuchEngine") == nil)
    }
}
