import Foundation
import SISRCore
import Testing
import TestSupport

/// The demo zoo's networks are trained by `sisr train` from committed option files. Reproducing a whole
/// checkpoint takes minutes per network in a release build (`make demo-zoo-check` retrains all of them
/// and compares each with the committed file byte for byte); this short test runs the first iterations
/// of one committed option file and compares the checkpoint with a digest pinned from a release build,
/// for 1 and 2 threads.
@Suite("Demo zoo training: committed option files reproduce")
struct DemoZooTrainingCLITests {
    /// Iterations run by the short test.
    static let iterations = 12
    /// SHA-256 of `net_g_12.safetensors` from the first 12 iterations of
    /// `manifests/demo-training/EDSR-demo-x2-L1-s1.yml` (release build, `sisr train` with the option
    /// file's `total_iter`, `save_checkpoint_freq` and `val_freq` set to 12: the first 12 iterations of
    /// the committed run are the same, as no learning-rate milestone is reached and the sampler does not
    /// depend on `total_iter`).
    static let pinned = "e5b4a1def258bc2bc9a2ef8a0368b72898f0a9feaff3083c6c23ed72e7080985"

    @Test("the first 12 iterations of EDSR-demo-x2-L1-s1.yml give the pinned checkpoint with 1 and 2 threads")
    func firstIterationsReproduce() throws {
        let dir = try TempDir("demo-train").url
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try String(contentsOf: repositoryRoot.appendingPathComponent("manifests/demo-training/EDSR-demo-x2-L1-s1.yml"), encoding: .utf8)
        var short = source
        for key in ["total_iter", "save_checkpoint_freq", "val_freq"] {
            let lines = short.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                let trimmed = line.drop { $0 == " " }
                guard trimmed.hasPrefix("\(key):") else { return String(line) }
                return String(line.prefix(line.count - trimmed.count)) + "\(key): \(Self.iterations)"
            }
            #expect(lines.joined(separator: "\n") != short, "option file has no \(key)")
            short = lines.joined(separator: "\n")
        }
        try short.write(to: dir.appendingPathComponent("short.yml"), atomically: true, encoding: .utf8)
        for (seed, count, size) in [("1", "64", ["128", "128"]), ("0", "30", ["128", "96"])] {
            let folder = seed == "1" ? "datasets/demo/train_HR" : "datasets/demo/test_HR"
            let r = try CLI.run(["procedural", "--seed", seed, "--count", count, "--width", size[0], "--height", size[1], folder], cwd: dir)
            try #require(r.status == 0, "\(r.stderr)")
        }
        var digests: [String] = []
        for threads in ["1", "2"] {
            let out = dir.appendingPathComponent("runs-\(threads)")
            let r = try CLI.run(["train", "short.yml", "--out", out.path, "--threads", threads], cwd: dir)
            try #require(r.status == 0, "\(r.stderr)")
            let file = out.appendingPathComponent("experiments/EDSR-demo-x2-L1-s1/models/net_g_\(Self.iterations).safetensors")
            digests.append(try SHA256Hasher.hex(file: file))
        }
        #expect(digests[0] == digests[1], "1 and 2 threads differ")
        #expect(digests[0] == Self.pinned, "checkpoint after \(Self.iterations) iterations: \(digests[0])")
    }
}
