import Foundation
import SISRCore
import Testing
import TestSupport

@Suite("sisr baseline and sisr evaluate")
struct BaselineEvaluateCLITests {
    @Test("a baseline's predictions score through evaluate; bad predictions are refused naming file and line")
    func baselineThenEvaluate() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let release = dir.appendingPathComponent("release").path
        let b = try CLI.run(["build", "--out", release, "--count", "20", "--size", "40x32",
                             "--models", "Nearest-NA-x2-NA-NA,Bicubic-NA-x4-NA-NA"])
        #expect(b.status == 0, "\(b.stderr)")
        let proto = dir.appendingPathComponent("two.json")
        try Data(#"{"name":"two","description":"","models":{"family":["demo"]},"label":"model"}"#.utf8).write(to: proto)
        let preds = dir.appendingPathComponent("p.jsonl").path
        let r = try CLI.run(["baseline", "acutance", "--protocol", proto.path, "--release", release, "--out", preds])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("acutance on two"))
        let out = dir.appendingPathComponent("r.json").path, md = dir.appendingPathComponent("r.md").path
        let png = dir.appendingPathComponent("c.png").path
        let e = try CLI.run(["evaluate", "--protocol", proto.path, "--release", release, "--predictions", preds,
                             "--out", out, "--markdown", md, "--confusion", png])
        #expect(e.status == 0, "\(e.stderr)")
        #expect(e.stdout.contains("**Accuracy:"))
        let report = try CanonicalJSON.decode(JSONValue.self, from: [UInt8](Data(contentsOf: URL(fileURLWithPath: out))), path: out)
        #expect(report["overall"]?["total"]?.intValue == 4)
        #expect(try String(contentsOfFile: md, encoding: .utf8).contains("## Per class"))
        #expect(try PNG.read(URL(fileURLWithPath: png)).width > 100)

        // A duplicated line is refused with the file and line, and nothing is written.
        var lines = try String(contentsOfFile: preds, encoding: .utf8).split(separator: "\n").map(String.init)
        lines.append(lines[0])
        let bad = dir.appendingPathComponent("bad.jsonl").path
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: bad))
        let badOut = dir.appendingPathComponent("bad.json").path
        let f = try CLI.run(["evaluate", "--protocol", proto.path, "--release", release, "--predictions", bad, "--out", badOut])
        #expect(f.status != 0)
        #expect(f.stderr.contains("bad.jsonl:5: duplicate key"), "\(f.stderr)")
        #expect(!FileManager.default.fileExists(atPath: badOut))
    }
}
