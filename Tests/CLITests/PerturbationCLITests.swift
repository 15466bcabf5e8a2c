import Foundation
import SISRCore
import Testing
import TestSupport

@Suite("robustness protocols through the CLI")
struct PerturbationCLITests {
    /// Batches of a perturbed protocol are the same bytes with 1 or 2 threads and with libjpeg-turbo's
    /// SIMD code switched off (`JSIMD_FORCENONE`) or held to SSE2; a baseline and `sisr evaluate` run on it.
    @Test func perturbedBatchesAreTheSameEverywhereAndScore() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let release = dir.appendingPathComponent("release").path
        let b = try CLI.run(["build", "--out", release, "--count", "20", "--size", "40x32",
                             "--models", "Nearest-NA-x2-NA-NA,Bicubic-NA-x4-NA-NA"])
        #expect(b.status == 0, "\(b.stderr)")
        let proto = dir.appendingPathComponent("attacked.json")
        try Data(#"""
            {"name":"attacked","description":"","models":{"family":["demo"]},"label":"model","withheld":null,
             "perturbation":{"seed":5,"splits":["test"],"steps":[{"kind":"relight","strength":{"uniform":[0.1,0.4]}},
               {"kind":"crop","fraction":{"uniform":[0.05,0.2]}},{"kind":"blur","kernel":{"choice":[3,5]}},
               {"kind":"jpeg","quality":{"uniform":[10,75]}},{"kind":"noise","variance":{"uniform":[5,20]}}]}}
            """#.utf8).write(to: proto)
        let plain = dir.appendingPathComponent("plain.json")
        try Data(#"{"name":"plain","description":"","models":{"family":["demo"]},"label":"model","withheld":null}"#.utf8).write(to: plain)
        func grid(_ protocolFile: URL, threads: Int, env: [String: String] = [:]) throws -> Data {
            let png = dir.appendingPathComponent("grid-\(UUID().uuidString).png")
            let r = try CLI.run(["load-bench", release, "--split", "test", "--protocol", protocolFile.path, "--patch", "32",
                                 "--batch", "8", "--epochs", "1", "--threads", String(threads), "--grid", png.path],
                                environment: ProcessInfo.processInfo.environment.merging(env) { $1 })
            #expect(r.status == 0, "\(r.stderr)")
            return try Data(contentsOf: png)
        }
        let reference = try grid(proto, threads: 1)
        #expect(try grid(proto, threads: 2) == reference)
        #expect(try grid(proto, threads: 2, env: ["JSIMD_FORCENONE": "1"]) == reference)
        #expect(try grid(proto, threads: 1, env: ["JSIMD_FORCESSE2": "1"]) == reference)
        #expect(try grid(plain, threads: 1) != reference)

        let preds = dir.appendingPathComponent("p.jsonl").path
        let r = try CLI.run(["baseline", "acutance", "--protocol", proto.path, "--release", release, "--out", preds])
        #expect(r.status == 0, "\(r.stderr)")
        let cleanPreds = dir.appendingPathComponent("clean.jsonl").path
        #expect(try CLI.run(["baseline", "acutance", "--protocol", plain.path, "--release", release, "--out", cleanPreds]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: preds)) != Data(contentsOf: URL(fileURLWithPath: cleanPreds)))
        let out = dir.appendingPathComponent("r.json").path
        let e = try CLI.run(["evaluate", "--protocol", proto.path, "--release", release, "--predictions", preds, "--out", out])
        #expect(e.status == 0, "\(e.stderr)")
        #expect(e.stdout.contains("relight strength uniform 0.1...0.4"), "\(e.stdout)")
    }
}
