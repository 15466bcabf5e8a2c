import DatasetBuilder
import Foundation
import SISRCore
import SRModels
import Testing
import TestSupport

@Suite struct ImportTests {
    /// A tiny corpus in the paper's layout: HR folder, two model folders of normal (deflated,
    /// adaptive-filter) PNGs, and the split files.
    func makeCorpus(_ root: URL) throws -> [String: RGBImage] {
        var written = [String: RGBImage]()
        let ids = (1...5).map { "photo\($0)" }
        for (i, id) in ids.enumerated() {
            let hr = Procedural.image(seed: 9, index: i, width: 40, height: 28)
            try PNG.write(hr, to: root.appendingPathComponent("HR-HR-HR-HR-HR/\(id).png"))
            for (model, method, s) in [("Bicubic-NA-x2-NA-NA", ClassicalUpsampler.bicubic, 2), ("Nearest-NA-x4-NA-NA", .nearest, 4)] {
                let sr = try ClassicalResolver(method: method, scale: s).upscale(try degrade(hr, scale: s))
                try PNG.write(sr, to: root.appendingPathComponent("\(model)/\(id).png"), options: .standard)
                written["\(model)__\(id)"] = sr
            }
            written["HR-HR-HR-HR-HR__\(id)"] = hr
        }
        try "photo1.png\nphoto2\nphoto3\n".write(to: root.appendingPathComponent("train-split.txt"), atomically: true, encoding: .utf8)
        try "photo4\n".write(to: root.appendingPathComponent("val-split.txt"), atomically: true, encoding: .utf8)
        try "photo5\n".write(to: root.appendingPathComponent("test-split.txt"), atomically: true, encoding: .utf8)
        return written
    }

    func importOptions(_ root: URL) -> BuildOptions {
        var o = BuildOptions()
        o.importRoot = root
        o.samplesPerShard = 4
        return o
    }

    @Test func importedPixelsRoundTripExactly() throws {
        let src = try TempDir("corpus"), out = try TempDir("imported")
        defer { src.cleanup(); out.cleanup() }
        let written = try makeCorpus(src.url)
        _ = try runBuild(importOptions(src.url), into: out.url, threads: 2)
        let release = try Release.open(out.url)
        #expect(release.samples.count == 15)
        #expect(release.splits == Splits(train: ["photo1", "photo2", "photo3"], val: ["photo4"], test: ["photo5"]))
        #expect(release.manifest.command.prefix(3) == ["sisr", "import", src.url.lastPathComponent])
        for (i, _) in release.manifest.shards.enumerated() {
            let members = try ArchiveReader.members(of: release.shardURL(i))
            for m in members where m.name.hasSuffix(".png") {
                let key = String(m.name.dropLast(4))
                let img = try PNG.decode(m.data, name: m.name)
                #expect(img == written[key], "\(key)")
                #expect(release.samples.first { $0.key == key }?.pixelSHA256 == written[key]?.pixelSHA256)
            }
        }
        let bicubic = release.samples.filter { $0.model == "Bicubic-NA-x2-NA-NA" }
        #expect(bicubic.allSatisfy { ($0.psnr ?? 0) > 15 } && bicubic.first?.split != nil)
        #expect(Verifier.verify(out.url, deep: true).ok)
    }

    @Test func importErrorsNameTheBadFile() throws {
        let src = try TempDir("badcorpus"), out = try TempDir("badout")
        defer { src.cleanup(); out.cleanup() }
        _ = try makeCorpus(src.url)
        try FileManager.default.removeItem(at: src.sub("Nearest-NA-x4-NA-NA/photo3.png"))
        do {
            _ = try runBuild(importOptions(src.url), into: out.url)
            Issue.record("expected an error")
        } catch { #expect("\(error)".contains("Nearest-NA-x4-NA-NA/photo3.png")) }
        try PNG.write(Procedural.image(seed: 2, index: 0, width: 40, height: 28), to: src.sub("Nearest-NA-x4-NA-NA/photo3.png"))
        try FileManager.default.createDirectory(at: src.sub("Unknown-model"), withIntermediateDirectories: true)
        do {
            _ = try runBuild(importOptions(src.url), into: out.url)
            Issue.record("expected an error")
        } catch { #expect("\(error)".contains("Unknown-model")) }
    }

    @Test func badSourceImageIsNamed() throws {
        let dir = try TempDir("badimages"), out = try TempDir("badimagesout")
        defer { dir.cleanup(); out.cleanup() }
        try PNG.write(Procedural.image(seed: 1, index: 0, width: 32, height: 32), to: dir.sub("good.png"))
        try Data("not a png".utf8).write(to: dir.sub("broken.png"))
        var o = smallOptions()
        o.images = .folder(dir.url)
        do {
            _ = try runBuild(o, into: out.url)
            Issue.record("expected an error")
        } catch { #expect("\(error)".contains("broken.png")) }
        try FileManager.default.removeItem(at: dir.sub("broken.png"))
        try PNG.write(Procedural.image(seed: 1, index: 1, width: 8, height: 32), to: dir.sub("tiny.png"))
        do {
            _ = try runBuild(o, into: out.url)
            Issue.record("expected an error")
        } catch { #expect("\(error)".contains("tiny.png") && "\(error)".contains("8x32")) }
    }
}


