import Foundation
import SISRCore
import Testing
import TestSupport

@Suite("sisr build / verify / inspect / zoo / import")
struct BuilderCLITests {
    static let small = ["--count", "6", "--size", "32x24", "--models", "Nearest-NA-x2-NA-NA,Bilinear-NA-x4-NA-NA",
                        "--samples-per-shard", "3"]

    func env(_ extra: [String: String]) -> [String: String] {
        var e = ProcessInfo.processInfo.environment
        for k in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "JOB_COMPLETION_INDEX"] { e[k] = nil }
        for (k, v) in extra { e[k] = v }
        return e
    }

    @Test("sisr build with no arguments builds the default release into ./release, matching CHECKSUMS")
    func defaultBuild() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLI.run(["build", "--threads", "2"], environment: env([:]), cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("sisr verify release") && r.stdout.contains("Release written to"))
        let built = try Data(contentsOf: dir.appendingPathComponent("release/CHECKSUMS"))
        #expect(built == (try Data(contentsOf: repositoryRoot.appendingPathComponent("CHECKSUMS"))))
        let again = try CLI.run(["build"], environment: env([:]), cwd: dir)
        #expect(again.status == 0 && again.stdout.contains("nothing to do"), "\(again.stdout)\(again.stderr)")
        let other = try CLI.run(["build", "--seed", "1"], environment: env([:]), cwd: dir)
        #expect(other.status != 0 && other.stderr.contains("--force"))
    }

    @Test("verify passes a good release, fails with the shard named after one flipped byte")
    func verifyExitStatus() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("r").path
        #expect(try CLI.run(["build", "--out", out] + Self.small, environment: env([:])).status == 0)
        let ok = try CLI.run(["verify", out, "--deep"])
        #expect(ok.status == 0 && ok.stdout.contains("OK"), "\(ok.stdout)\(ok.stderr)")
        let inspect = try CLI.run(["inspect", out])
        #expect(inspect.status == 0 && inspect.stdout.contains("Nearest-NA-x2-NA-NA") && inspect.stdout.contains("train"))
        let shard = URL(fileURLWithPath: out).appendingPathComponent("shards/test/sisr-test-000000.tar.zst")
        var bytes = [UInt8](try Data(contentsOf: shard))
        bytes[bytes.count / 2] ^= 0x40
        try Data(bytes).write(to: shard)
        let bad = try CLI.run(["verify", out])
        #expect(bad.status != 0 && bad.stdout.contains("shards/test/sisr-test-000000.tar.zst"))
    }

    @Test("Slurm and Kubernetes worker variables split the work; --finalize equals one machine")
    func workersFromEnvironment() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let one = dir.appendingPathComponent("one").path, slurm = dir.appendingPathComponent("slurm").path,
            k8s = dir.appendingPathComponent("k8s").path
        #expect(try CLI.run(["build", "--out", one] + Self.small, environment: env([:])).status == 0)
        for i in 1...3 {  // --array=1-3: SLURM_ARRAY_TASK_MIN=1
            let r = try CLI.run(["build", "--out", slurm] + Self.small,
                                environment: env(["SLURM_ARRAY_TASK_ID": "\(i)", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "1"]))
            #expect(r.status == 0 && r.stdout.contains("Worker \(i - 1) of 3"), "\(r.stdout)\(r.stderr)")
        }
        for i in 0..<2 {
            let r = try CLI.run(["build", "--out", k8s, "--workers", "2"] + Self.small, environment: env(["JOB_COMPLETION_INDEX": "\(i)"]))
            #expect(r.status == 0, "\(r.stderr)")
        }
        for d in [slurm, k8s] {
            #expect(try CLI.run(["build", "--finalize", "--out", d], environment: env([:])).status == 0)
            let a = try Data(contentsOf: URL(fileURLWithPath: one).appendingPathComponent("CHECKSUMS"))
            #expect(a == (try Data(contentsOf: URL(fileURLWithPath: d).appendingPathComponent("CHECKSUMS"))))
        }
        let badIndex = try CLI.run(["build", "--out", dir.appendingPathComponent("x").path, "--workers", "2"] + Self.small,
                                   environment: env(["JOB_COMPLETION_INDEX": "5"]))
        #expect(badIndex.status != 0)
    }

    @Test("sisr zoo lists the demo zoo as runnable and the paper zoo with unavailable models")
    func zooListing() throws {
        let demo = try CLI.run(["zoo", "--zoo", "demo"])
        #expect(demo.status == 0 && demo.stdout.contains("20 of 20 runnable"))
        let paper = try CLI.run(["zoo"], cwd: repositoryRoot)
        #expect(paper.status == 0 && paper.stdout.contains("205 models") && paper.stdout.contains("LIIF-div2k-x4-L1-NA-pretrained"))
        #expect(paper.stdout.contains("unavailable"))
    }

    @Test("sisr build with a weights file that does not fit the zoo's config names the model, the file and the key")
    func mismatchedWeightsAreReportedClearly() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let listed = try CLI.run(["zoo", "--zoo", "demo", "--json"])
        var zoo = try CanonicalJSON.decode(Zoo.self, from: Array(listed.stdout.utf8), path: "sisr zoo --json")
        let name = "EDSR-demo-x2-L1-s1"
        let i = try #require(zoo.models.firstIndex { $0.name == name })
        zoo.models[i].weights = .init(file: "edsr.pth", sha256: nil, format: "pytorch-pth", keyLayout: "basicsr", container: nil, source: nil)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("w"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("Tests/SRModelsTests/Fixtures/models/edsr_x2.pth"),
                                         to: dir.appendingPathComponent("w/edsr.pth"))  // 8 features; the zoo says 16
        try Data(try CanonicalJSON.encode(zoo, pretty: true)).write(to: dir.appendingPathComponent("zoo.json"))
        let r = try CLI.run(["build", "--zoo", "zoo.json", "--weights", "w", "--models", name, "--count", "2", "--size", "32x24",
                             "--out", "rel"], cwd: dir)
        #expect(r.status != 0)
        let weights = dir.appendingPathComponent("w/edsr.pth").path
        #expect(r.stderr.contains("model \(name)") && r.stderr.contains("w/edsr.pth") && r.stderr.contains("num_feat"), "\(r.stderr)")
        #expect(!r.stderr.contains("\(weights): \(weights)"), "\(r.stderr)")
    }

    @Test("sisr import reads a tar.gz of the corpus in place and writes the same release as the unpacked folder",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/tar"), "needs /usr/bin/tar to make the archive"))
    func importFromArchive() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus")
        try writeCorpus(corpus, images: 4, seed: 6, splits: [("train", "im1\nim2\n"), ("val", "im3\n"), ("test", "im4\n")]) { i, _ in
            Procedural.image(seed: 7, index: i, width: 32, height: 24)
        }
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/usr/bin/tar")
        tar.arguments = ["-czf", "corpus.tar.gz", "corpus"]
        tar.currentDirectoryURL = dir
        try tar.run()
        tar.waitUntilExit()
        try #require(tar.terminationStatus == 0)
        let common = ["--zoo", "demo", "--samples-per-shard", "3", "--threads", "2"]
        let folder = try CLI.run(["import", "corpus", "--out", "from-folder"] + common, cwd: dir)
        #expect(folder.status == 0, "\(folder.stderr)")
        let archive = try CLI.run(["import", "corpus.tar.gz", "--out", "from-archive"] + common, cwd: dir)
        #expect(archive.status == 0, "\(archive.stderr)")
        for file in ["CHECKSUMS", "manifest.json"] {
            let a = try Data(contentsOf: dir.appendingPathComponent("from-folder/\(file)"))
            #expect(a == (try Data(contentsOf: dir.appendingPathComponent("from-archive/\(file)"))), "\(file) differs")
        }
        let notArchive = try CLI.run(["import", "corpus", "notes.txt"], cwd: dir)
        #expect(notArchive.status != 0 && notArchive.stderr.contains("give one corpus folder, or archives"), "\(notArchive.stderr)")
    }
}
