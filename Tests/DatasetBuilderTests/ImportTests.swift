import DatasetBuilder
import Foundation
import SISRArchive
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
        o.importCorpus = ImportCorpus(folder: root)
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

    // MARK: archives

    static let tar = "/usr/bin/tar", zipTool = "/usr/bin/zip"
    static var hasTar: Bool { FileManager.default.isExecutableFile(atPath: tar) }
    static var hasZip: Bool { FileManager.default.isExecutableFile(atPath: zipTool) }

    /// Runs `tool` in `cwd`; fails the test with its output when it fails.
    func run(_ tool: String, _ args: [String], in cwd: URL) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.currentDirectoryURL = cwd
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "\(tool) \(args): \(message)")
    }

    func importRelease(_ corpus: ImportCorpus, into dir: URL) throws -> [String: String] {
        var o = importOptions(dir)
        o.importCorpus = corpus
        _ = try runBuild(o, into: dir, threads: 2)
        return try snapshot(dir)
    }

    /// Imports the archive `a/<name>` of the corpus in `t` and checks: its release equals the
    /// folder's `reference` byte for byte, and its members read in place equal libarchive's
    /// sequential read.
    func expectSameRelease(_ t: TempDir, _ name: String, seekable: Bool, as reference: [String: String]) throws {
        let url = t.sub("a/\(name)")
        let index = try ArchiveReader.index(of: url)
        #expect(index.seekable == seekable, "\(name)")
        let sequential = try ArchiveReader.members(of: url)
        #expect(index.entries.map(\.name) == sequential.map(\.name), "\(name)")
        for (e, m) in zip(index.entries, sequential) { #expect(try index.read(e, maxBytes: 1 << 20) == m.data, "\(name) \(e.name)") }
        let release = try importRelease(try ImportCorpus(archives: [url]), into: t.sub("from-\(name)"))
        #expect(release == reference, "\(name): the release differs from the folder's")
    }

    /// The corpus folder of `t` and its release.
    func folderRelease(_ t: TempDir) throws -> [String: String] {
        _ = try makeCorpus(t.sub("corpus"))
        try FileManager.default.createDirectory(at: t.sub("a"), withIntermediateDirectories: true)
        let reference = try importRelease(ImportCorpus(folder: t.sub("corpus")), into: t.sub("from-folder"))
        #expect(reference.keys.contains("CHECKSUMS") && reference.keys.filter { $0.hasSuffix(".tar.zst") }.count >= 4)
        return reference
    }

    @Test(.enabled(if: hasZip, "needs /usr/bin/zip to make the archive"))
    func zipAndFolderGiveIdenticalReleases() throws {
        let t = try TempDir("zip")
        defer { t.cleanup() }
        let reference = try folderRelease(t)
        try run(Self.zipTool, ["-q", "-r", "a/corpus.zip", "corpus"], in: t.url)  // deflated members under corpus/
        try expectSameRelease(t, "corpus.zip", seekable: true, as: reference)
    }

    /// The same corpus as a folder, as a tar of its folder (`corpus/...`, the wrapper folder is
    /// dropped), as a tar.gz of its contents (`./...`) and as per-model archives.
    @Test(.enabled(if: hasTar, "needs /usr/bin/tar to make the archives"))
    func tarAndFolderGiveIdenticalReleases() throws {
        let t = try TempDir("archives")
        defer { t.cleanup() }
        let reference = try folderRelease(t)
        let folder = t.sub("corpus")
        try run(Self.tar, ["-cf", "a/corpus.tar", "corpus"], in: t.url)
        try run(Self.tar, ["-czf", "a/corpus.tar.gz", "-C", "corpus", "."], in: t.url)
        try expectSameRelease(t, "corpus.tar", seekable: true, as: reference)
        try expectSameRelease(t, "corpus.tar.gz", seekable: false, as: reference)
        // Per-model archives plus one for the HR folder and the split files: the same shards and index.
        try run(Self.tar, ["-cf", "../a/hr.tar", "HR-HR-HR-HR-HR", "train-split.txt", "val-split.txt", "test-split.txt"], in: folder)
        for m in ["Bicubic-NA-x2-NA-NA", "Nearest-NA-x4-NA-NA"] { try run(Self.tar, ["-cf", "../a/\(m).tar", m], in: folder) }
        let parts = try ImportCorpus(archives: ["hr", "Bicubic-NA-x2-NA-NA", "Nearest-NA-x4-NA-NA"].map { t.sub("a/\($0).tar") })
        let split = try importRelease(parts, into: t.sub("from-parts"))
        let same = reference.filter { $0.key.hasSuffix(".tar.zst") || $0.key == "index.jsonl" }
        #expect(split.filter { same[$0.key] != nil } == same)
    }

    /// Archive members that leave the corpus are refused naming the member; a bad PNG and a missing
    /// file are named by archive path and member, as the folder form names the file.
    @Test(.enabled(if: hasTar, "needs /usr/bin/tar to make the archives"))
    func hostileAndBadArchiveMembersAreNamed() throws {
        let t = try TempDir("hostile")
        defer { t.cleanup() }
        try FileManager.default.createDirectory(at: t.sub("inner"), withIntermediateDirectories: true)
        try PNG.write(Procedural.image(seed: 1, index: 0, width: 32, height: 24), to: t.sub("x.png"))
        try run(Self.tar, ["-P", "-cf", "evil.tar", "../x.png"], in: t.sub("inner"))
        let evil = t.sub("inner/evil.tar")
        #expect(try ArchiveReader.index(of: evil).entries.map(\.name) == ["../x.png"])
        do {
            _ = try ImportCorpus(archives: [evil])
            Issue.record("a member named ../x.png was accepted")
        } catch {
            #expect("\(error)".contains("\(evil.path):../x.png") && "\(error)".contains("leaves the corpus"), "\(error)")
        }

        let folder = t.sub("corpus")
        _ = try makeCorpus(folder)
        try Data("not a png".utf8).write(to: folder.appendingPathComponent("Nearest-NA-x4-NA-NA/photo3.png"))
        try run(Self.tar, ["-cf", "bad.tar", "corpus"], in: t.url)
        do {
            _ = try importRelease(try ImportCorpus(archives: [t.sub("bad.tar")]), into: t.sub("out-bad"))
            Issue.record("a bad PNG member was accepted")
        } catch {
            #expect("\(error)".contains("\(t.sub("bad.tar").path):corpus/Nearest-NA-x4-NA-NA/photo3.png"), "\(error)")
        }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("Nearest-NA-x4-NA-NA/photo3.png"))
        try run(Self.tar, ["-cf", "missing.tar", "corpus"], in: t.url)
        do {
            _ = try importRelease(try ImportCorpus(archives: [t.sub("missing.tar")]), into: t.sub("out-missing"))
            Issue.record("a missing member was accepted")
        } catch {
            #expect("\(error)".contains("missing.tar:Nearest-NA-x4-NA-NA/photo3.png") && "\(error)".contains("missing"), "\(error)")
        }
    }
}
