import DatasetBuilder
import Foundation
import SISRArchive
import SISRCore
import Testing
import TestSupport

@Suite struct ShardContentTests {
    @Test func libarchiveReadsShardsAndPixelsMatchTheIndex() throws {
        let t = try TempDir("archive")
        defer { t.cleanup() }
        _ = try runBuild(smallOptions(keepReference: true), into: t.url, threads: 2)
        let release = try Release.open(t.url)
        #expect(release.samples.contains { $0.model == BuildPlan.hrModel && $0.psnr == nil })
        #expect(release.samples.contains { $0.model == BuildPlan.lrModel(4) && $0.width == 12 && $0.height == 8 })
        var checked = 0
        for (i, shard) in release.manifest.shards.enumerated() {
            let members = try ArchiveReader.members(of: release.shardURL(i))
            let records = release.samples.filter { $0.shard == i }
            #expect(members.map(\.name) == records.flatMap { [$0.key + ".png", $0.key + ".json"] }, "\(shard.path)")
            for r in records {
                let png = try #require(members.first { $0.name == r.key + ".png" })
                let img = try PNG.decode(png.data, name: r.key)
                #expect(img.pixelSHA256 == r.pixelSHA256 && img.width == r.width)
                let json = try #require(members.first { $0.name == r.key + ".json" })
                let member = try CanonicalJSON.decode(SampleMember.self, from: json.data, path: r.key)
                #expect(member == r.member)
                checked += 1
            }
        }
        #expect(checked == release.samples.count && checked == 10 * (4 + 3))
        // PSNR of model outputs is against the modcropped HR; classical upsamplers are not perfect.
        #expect(release.samples.filter { $0.labels.family == "demo" }.allSatisfy { ($0.psnr ?? 0) > 10 && ($0.psnr ?? 100) < 60 })
    }

    @Test func verifyNamesAFlippedShardByteAndACorruptSample() throws {
        let t = try TempDir("verify")
        defer { t.cleanup() }
        _ = try runBuild(smallOptions(), into: t.url)
        #expect(Verifier.verify(t.url, deep: true).ok)
        let release = try Release.open(t.url)
        // 1. One flipped byte in the compressed shard 0.
        let s0 = release.shardURL(0)
        var bytes = [UInt8](try Data(contentsOf: s0))
        bytes[bytes.count / 2] ^= 0x01
        try Data(bytes).write(to: s0)
        // 2. One byte changed inside a sample's pixels in shard 1: its last sample's frame is
        //    recompressed in place, so the shard stays a valid .tar.zst.
        let s1 = release.shardURL(1)
        let file = [UInt8](try Data(contentsOf: s1))
        let victim = release.samples.last { $0.shard == 1 }!
        let frame = victim.frameOffset!..<(victim.frameOffset! + victim.frameSize!)
        var part = try Zstd.decompress(Array(file[frame]))
        part[512 + victim.pngSize - 40] ^= 0x10  // inside the last IDAT's stored pixel data
        try Data(Array(file[..<frame.lowerBound]) + Zstd.compress(part) + Array(file[frame.upperBound...])).write(to: s1)

        let fast = Verifier.verify(t.url, deep: false)
        #expect(Set(fast.problems.map(\.subject)) == [release.manifest.shards[0].path, release.manifest.shards[1].path])
        let deep = Verifier.verify(t.url, deep: true)
        let subjects = deep.problems.map(\.subject)
        #expect(subjects.contains(release.manifest.shards[0].path))
        #expect(deep.problems.contains { $0.subject == "\(release.manifest.shards[1].path):\(victim.key)" })
        // Only the victim sample is blamed in shard 1.
        #expect(!subjects.contains { $0.hasPrefix(release.manifest.shards[1].path + ":") && !$0.hasSuffix(victim.key) })
    }

    @Test("Python reads the shards with tarfile, zstandard and Pillow (Scripts/check_release.py)",
          .enabled(if: Tools.python(has: ["zstandard", "PIL"]), "needs python3 with the zstandard and Pillow packages"))
    func pythonReadsShardsWithTarfileAndZstandard() throws {
        let script = repositoryRoot.appendingPathComponent("Scripts/check_release.py")
        let python = try #require(Tools.find("python3"))
        let t = try TempDir("python")
        defer { t.cleanup() }
        _ = try runBuild(smallOptions(keepReference: true), into: t.url)
        #expect(try Subprocess.run(python, [script.path, t.url.path]).status == 0)
        let shard = try Release.open(t.url).shardURL(0)
        var bytes = [UInt8](try Data(contentsOf: shard))
        bytes[bytes.count / 3] ^= 0x01
        try Data(bytes).write(to: shard)
        #expect(try Subprocess.run(python, [script.path, t.url.path]).status != 0)
    }

    @Test("sha256sum -c accepts CHECKSUMS and rejects a changed file",
          .enabled(if: Tools.has("sha256sum"), "needs coreutils' sha256sum"))
    func sha256sumAcceptsCHECKSUMS() throws {
        let tool = try #require(Tools.find("sha256sum"))
        let t = try TempDir("sha")
        defer { t.cleanup() }
        _ = try runBuild(smallOptions(), into: t.url)
        #expect(try Subprocess.run(tool, ["-c", "--quiet", "CHECKSUMS"], cwd: t.url).status == 0)
        try Data("x".utf8).write(to: t.sub("zoo.json"))
        #expect(try Subprocess.run(tool, ["-c", "--quiet", "CHECKSUMS"], cwd: t.url).status != 0)
    }
}
