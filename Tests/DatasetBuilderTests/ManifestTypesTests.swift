import Foundation
import SISRCore
import Testing
import TestSupport

@Suite struct ManifestTypesTests {
    let labels = Labels(model: "EDSR-div2k-x4-L1-s1", architecture: "EDSR", scale: "x4", loss: "L1",
                        dataset: "div2k", seed: "s1", pretrained: "false", family: "custom")

    @Test func canonicalJSONSortsKeysByBytesAndHasNoWhitespace() throws {
        let v: JSONValue = .object(["b": .int(1), "a_b": .string("x\"y\n"), "aB": .double(28.3125),
                                    "A": .array([.bool(true), .null, .double(2.0)])])
        let s = CanonicalJSON.string(v)
        #expect(s == #"{"A":[true,null,2],"aB":28.3125,"a_b":"x\"y\n","b":1}"#)
        let pretty = CanonicalJSON.string(.object(["k": .array([.int(1)]), "e": .object([:])]), pretty: true)
        #expect(pretty == "{\n  \"e\": {},\n  \"k\": [\n    1\n  ]\n}\n")
    }

    @Test func sampleRecordRoundTripsWithSnakeCaseKeys() throws {
        let r = SampleRecord(key: "EDSR-div2k-x4-L1-s1__img000001", model: labels.model, image: "img000001",
                             split: "train", labels: labels, width: 128, height: 96, psnr: 28.31, shard: 0,
                             pngOffset: 512, pngSize: 100, jsonOffset: 1024, jsonSize: 50,
                             pngSHA256: String(repeating: "a", count: 64), pixelSHA256: String(repeating: "b", count: 64))
        let bytes = try CanonicalJSON.encode(r)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix(#"{"height":96,"image":"img000001","json_offset":1024,"json_size":50,"key":"#))
        #expect(text.contains(#""png_offset":512"#) && text.contains(#""psnr":28.31"#))
        let back = try CanonicalJSON.decode(SampleRecord.self, from: bytes, path: "x")
        #expect(back == r)
        var ref = r
        ref.psnr = nil
        #expect(!String(decoding: try CanonicalJSON.encode(ref), as: UTF8.self).contains("psnr"))
    }

    @Test func zooEntryWritesExplicitNulls() throws {
        let e = ZooEntry(name: labels.model, labels: labels, scale: 4,
                         architecture: .init(engine: "EDSR", config: ["num_feat": .int(64)]),
                         weights: .init(file: "x.pth", sha256: nil, format: "pytorch-pth", keyLayout: "basicsr",
                                        container: "params", source: nil),
                         runnable: true)
        let text = String(decoding: try CanonicalJSON.encode(e), as: UTF8.self)
        #expect(text.contains(#""sha256":null"#) && text.contains(#""note":null"#))
        #expect(try CanonicalJSON.decode(ZooEntry.self, from: Array(text.utf8), path: "z") == e)
        var zoo = Zoo(name: "t", description: "", models: [e, e])
        #expect(throws: SISRError.self) { try zoo.validate(path: "zoo.json") }
        zoo.models = [e]
        try zoo.validate(path: "zoo.json")
    }

    @Test func decodeErrorsNameFileAndKey() {
        do {
            _ = try CanonicalJSON.decode(Splits.self, from: Array(#"{"train":[],"val":[]}"#.utf8), path: "/r/splits.json")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("/r/splits.json") && "\(error)".contains("test"))
        }
    }

    @Test func splitsDeriveIsSeededAndDisjoint() throws {
        let ids = (1...1000).map { String(format: "img%06d", $0) }
        let a = Splits.derive(ids: ids, seed: 0, name: "flickr1k")
        #expect(a.train.count == 800 && a.val.count == 100 && a.test.count == 100)
        #expect(Set(a.train + a.val + a.test).count == 1000)
        #expect(Splits.derive(ids: ids.reversed(), seed: 0, name: "flickr1k") == a)
        #expect(Splits.derive(ids: ids, seed: 1, name: "flickr1k") != a)
        try a.validate(path: "s")
    }

    @Test func releaseOpenReportsMissingManifest() throws {
        let dir = try TempDir("sisr-empty").url
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: SISRError.io(path: dir.appendingPathComponent("manifest.json").path,
                                     problem: "file not found: \(dir.path) is not a SISR release folder")) {
            _ = try Release.open(dir)
        }
    }
}
