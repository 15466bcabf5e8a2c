import Foundation
import SISRCore
import Testing
import TestSupport

@Suite("sisr baseline and sisr evaluate")
struct BaselineEvaluateCLITests {
    /// A release of two upsamplers over 20 procedural 40x32 images in `dir`, and an attribution
    /// protocol `two` over them.
    static func twoModelRelease(in dir: URL) throws -> (release: String, protocol: URL) {
        let release = dir.appendingPathComponent("release").path
        let b = try CLI.run(["build", "--out", release, "--count", "20", "--size", "40x32",
                             "--models", "Nearest-NA-x2-NA-NA,Bicubic-NA-x4-NA-NA"])
        #expect(b.status == 0, "\(b.stderr)")
        let proto = dir.appendingPathComponent("two.json")
        try Data(#"{"name":"two","description":"","models":{"family":["demo"]},"label":"model"}"#.utf8).write(to: proto)
        return (release, proto)
    }

    @Test("a baseline's predictions score through evaluate; bad predictions are refused naming file and line")
    func baselineThenEvaluate() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let (release, proto) = try Self.twoModelRelease(in: dir)
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

    @Test("baselines split over workers (options or Slurm variables) merge to the one-machine bytes; cnn runs on one machine")
    func workersMergeAndCNN() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let (release, proto) = try Self.twoModelRelease(in: dir)
        let common = ["--protocol", proto.path, "--release", release, "--crop", "32"]
        let one = dir.appendingPathComponent("one.jsonl").path, split = dir.appendingPathComponent("split.jsonl").path
        let r = try CLI.run(["baseline", "spectral", "--out", one, "--iterations", "20"] + common)
        #expect(r.status == 0, "\(r.stderr)")
        // Worker 0 by option, worker 1 as task 2 of a Slurm array starting at 1.
        let w0 = try CLI.run(["baseline", "spectral", "--out", split, "--iterations", "20", "--worker", "0", "--workers", "2"] + common)
        #expect(w0.status == 0 && w0.stdout.contains("Worker 0 of 2 done"), "\(w0.stderr)")
        let early = try CLI.run(["baseline", "spectral", "--out", split, "--iterations", "20", "--merge"] + common)
        #expect(early.status != 0 && early.stderr.contains("1 of 2 workers have not finished"), "\(early.stderr)")
        var env = ProcessInfo.processInfo.environment
        (env["SLURM_ARRAY_TASK_ID"], env["SLURM_ARRAY_TASK_MIN"], env["SLURM_ARRAY_TASK_COUNT"]) = ("2", "1", "2")
        let w1 = try CLI.run(["baseline", "spectral", "--out", split, "--iterations", "20"] + common, environment: env)
        #expect(w1.status == 0 && w1.stdout.contains("Worker 1 of 2 done"), "\(w1.stderr)")
        let wrong = try CLI.run(["baseline", "spectral", "--out", split, "--iterations", "30", "--merge"] + common)
        #expect(wrong.status != 0 && wrong.stderr.contains("iterations = 20"), "\(wrong.stderr)")
        let m = try CLI.run(["baseline", "spectral", "--out", split, "--iterations", "20", "--merge"] + common)
        #expect(m.status == 0 && m.stdout.contains("Merged 2 partial results"), "\(m.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: split)) == Data(contentsOf: URL(fileURLWithPath: one)))

        let cnnOut = dir.appendingPathComponent("cnn.jsonl").path
        let refused = try CLI.run(["baseline", "cnn", "--out", cnnOut, "--workers", "2"] + common)
        #expect(refused.status != 0 && refused.stderr.contains("cnn trains on one machine"), "\(refused.stderr)")
        let model = dir.appendingPathComponent("cnn.safetensors").path
        let c = try CLI.run(["baseline", "cnn", "--out", cnnOut, "--patch", "16", "--fmap-base", "32", "--fmap-max", "8",
                             "--epochs", "1", "--batch", "8", "--threads", "2", "--save-model", model] + common)
        #expect(c.status == 0 && c.stdout.contains("cnn on two"), "\(c.stderr)")
        #expect(c.stderr.isEmpty, "piped: no progress line")
        // The saved network predicts the same file without training (its settings come from the file).
        let reused = dir.appendingPathComponent("cnn-reused.jsonl").path
        let again = try CLI.run(["baseline", "cnn", "--out", reused, "--model", model] + common)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: reused)) == Data(contentsOf: URL(fileURLWithPath: cnnOut)))
        let both = try CLI.run(["baseline", "cnn", "--out", reused, "--model", model, "--save-model", model] + common)
        #expect(both.status != 0 && both.stderr.contains("--model and --save-model"), "\(both.stderr)")
        let e = try CLI.run(["evaluate", "--protocol", proto.path, "--release", release, "--predictions", cnnOut,
                             "--out", dir.appendingPathComponent("cnn.json").path])
        #expect(e.status == 0 && e.stdout.contains("**Accuracy:"), "\(e.stderr)")
    }
}
