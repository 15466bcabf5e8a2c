import Foundation
import SISRCore
import Testing
import TestSupport

@Suite("sisr refuses hostile input with exit 1 and the file named")
struct HostileInputCLITests {
    static let small = ["--count", "4", "--size", "32x24", "--models", "Nearest-NA-x2-NA-NA", "--samples-per-shard", "2"]

    @Test("degrade of an image smaller than --scale, or a huge --scale, is an error naming the file")
    func degradeTooSmall() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("lr.png")
        for (w, h, scale) in [(1, 1, 2), (1, 3, 2), (3, 1, 2), (50, 38, 1_000_000)] {
            let src = dir.appendingPathComponent("in-\(w)x\(h).png")
            try PNG.write(Procedural.image(seed: 1, index: 0, width: w, height: h), to: src)
            let r = try CLI.run(["degrade", "--scale", "\(scale)", src.path, out.path])
            #expect(r.status == 1, "\(w)x\(h) at --scale \(scale): status \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(src.lastPathComponent) && r.stderr.contains("too small for scale \(scale)"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }

    @Test("verify (fast and deep) reports a stray shard and any file the manifest does not list")
    func verifyReportsUnlistedFiles() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("r")
        #expect(try CLI.run(["build", "--out", out.path] + Self.small).status == 0)
        #expect(try CLI.run(["verify", out.path]).status == 0)
        let shard = out.appendingPathComponent("shards/train/sisr-train-000000.tar.zst")
        try FileManager.default.copyItem(at: shard, to: out.appendingPathComponent("shards/train/sisr-train-000099.tar.zst"))
        try Data("x".utf8).write(to: out.appendingPathComponent("notes.txt"))
        for deep in [false, true] {
            let r = try CLI.run(["verify", out.path] + (deep ? ["--deep"] : []))
            #expect(r.status == 1)
            #expect(r.stdout.contains("BAD shards/train/sisr-train-000099.tar.zst: not part of the release"), "\(r.stdout)")
            #expect(r.stdout.contains("BAD notes.txt: not part of the release"), "\(r.stdout)")
        }
    }

    @Test("verify --deep stops a shard that expands beyond the manifest's tar_bytes")
    func verifyDeepStopsAtTarBytes() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("r")
        #expect(try CLI.run(["build", "--out", out.path] + Self.small).status == 0)
        let shard = out.appendingPathComponent("shards/train/sisr-train-000000.tar.zst")
        // 64 MB of zeros in a few KB: the shard's tar is about 20 KB.
        try Data(Zstd.compress([UInt8](repeating: 0, count: 64 << 20), level: 1)).write(to: shard)
        let start = Date()
        let r = try CLI.run(["verify", "--deep", out.path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("sisr-train-000000.tar.zst: cannot decompress") && r.stdout.contains("expands beyond"), "\(r.stdout)")
        #expect(Date().timeIntervalSince(start) < 20)
    }

    @Test("a bad --splits file or import split file is named, with the line number and not the line")
    func splitErrorsDoNotEchoTheFile() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let secret = "root:x:0:0:SECRET-LINE"
        let json = dir.appendingPathComponent("splits.json")
        try Data("{\"train\": [\"a\", \"\(secret)\"], \"val\": [], \"test\": []}".utf8).write(to: json)
        let r = try CLI.run(["build", "--out", dir.appendingPathComponent("o").path, "--splits", json.path] + Self.small)
        #expect(r.status == 1 && r.stderr.contains("splits.json") && r.stderr.contains("entry 2 of \"train\""), "\(r.stderr)")
        #expect(!r.stderr.contains("SECRET"))
        // An imported corpus whose split file holds a line that is no image name.
        let corpus = dir.appendingPathComponent("corpus")
        try FileManager.default.createDirectory(at: corpus.appendingPathComponent("HR-HR-HR-HR-HR"), withIntermediateDirectories: true)
        try PNG.write(Procedural.image(seed: 0, index: 0, width: 32, height: 24), to: corpus.appendingPathComponent("HR-HR-HR-HR-HR/img1.png"))
        try Data("img1\n\(secret)\n".utf8).write(to: corpus.appendingPathComponent("train-split.txt"))
        for f in ["val-split.txt", "test-split.txt"] { try Data().write(to: corpus.appendingPathComponent(f)) }
        let i = try CLI.run(["import", corpus.path, "--out", dir.appendingPathComponent("i").path])
        #expect(i.status == 1 && i.stderr.contains("train-split.txt") && i.stderr.contains("line 2"), "\(i.stderr)")
        #expect(!i.stderr.contains("SECRET"))
    }
}
