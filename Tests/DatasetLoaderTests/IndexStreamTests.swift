import Foundation
@testable import SISRCore
import Testing
@testable import DatasetLoader
import TestSupport

/// The index read a piece at a time (what keeps a loader's memory per selected sample, not per
/// record): the same samples, selections and errors as reading it whole.
@Suite struct IndexStreamTests {
    static let release = Result { try TestRelease.make() }

    func indexURL(_ url: URL) -> URL { url.appendingPathComponent("index.jsonl") }

    @Test func chunkedReadingGivesTheWholeIndexInOrder() throws {
        let url = try Self.release.get()
        let release = try Release.open(url)
        #expect(release.samples.count > 20)
        for chunk in [1, 3, 1024] {
            var got = [SampleRecord]()
            try ReleaseIndex.forEach(indexURL(url), manifest: release.manifest, sha256: release.manifest.inputs.index.sha256,
                                     chunkLines: chunk) { got.append($0) }
            #expect(got == release.samples, "chunks of \(chunk) lines")
        }
        var scanned = 0
        #expect(try Release.scan(url) { _ in scanned += 1 }.samples.isEmpty && scanned == release.samples.count)
    }

    @Test func aBadLineIsNamedByItsNumberAndAChangedFileByItsHash() throws {
        let url = try Self.release.get()
        let release = try Release.open(url)
        let copy = try TempDir("index").url
        defer { try? FileManager.default.removeItem(at: copy) }
        var lines = try String(contentsOf: indexURL(url), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        lines[16] = "{\"key\": 1"
        let bad = copy.appendingPathComponent("index.jsonl")
        try Data(lines.joined(separator: "\n").utf8).write(to: bad)
        #expect {
            try ReleaseIndex.forEach(bad, manifest: release.manifest, sha256: nil, chunkLines: 5) { _ in }
        } throws: { "\($0)".contains("line 17") }
        #expect {
            try ReleaseIndex.forEach(bad, manifest: release.manifest, sha256: release.manifest.inputs.index.sha256, chunkLines: 5) { _ in }
        } throws: { "\($0)".contains("does not match manifest.json") }
    }

    @Test func aLoaderOpenedByPathSelectsAsOneOverTheWholeRelease() throws {
        let url = try Self.release.get()
        let release = try Release.open(url)
        let scale = ExperimentProtocol(name: "t", models: ["family": ["custom"]], label: "scale",
                                       withheld: .init(parameter: "architecture", value: "RCAN"))
        let dir = try TempDir("proto").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("t.json")
        try Data(CanonicalJSON.encode(scale)).write(to: file)
        for (proto, path, split) in [(ExperimentProtocol.allModels, nil, "train"), (scale, file.path, "test"), (scale, file.path, "train")] {
            let options = TestRelease.options { $0.split = split }
            let a = try BatchLoader(release: url, protocol: path, options: options)
            let b = try BatchLoader(release: release, protocol: proto, options: options)
            #expect(a.source.samples == b.source.samples && a.classes == b.classes && !a.source.samples.isEmpty, "\(proto.name) \(split)")
        }
    }

    @Test func anEmptySelectionStillSaysWhy() throws {
        let url = try Self.release.get()
        let none = ExperimentProtocol(name: "none", models: ["family": ["no-such-family"]], label: "scale", withheld: nil)
        let dir = try TempDir("proto").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("none.json")
        try Data(CanonicalJSON.encode(none)).write(to: file)
        #expect {
            try BatchLoader(release: url, protocol: file.path, options: TestRelease.options())
        } throws: { "\($0)".contains("selects no sample") && "\($0)".contains("family = ") }
    }
}
