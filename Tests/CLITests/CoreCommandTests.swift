import Foundation
import SISRCore
import Testing
import TestSupport

@Suite("sisr core commands")
struct CoreCommandTests {
    @Test("--version prints the tool version; --help lists the subcommands")
    func versionAndHelp() throws {
        let v = try CLI.run(["--version"])
        #expect(v.status == 0)
        // `0.2.0 (kernels <family>: <ISA and threads in use>)` since the engine records its kernels.
        #expect(v.stdout.hasPrefix(SISRVersion.string + " (kernels \(SISRVersion.kernels)+winograd-f4"), "\(v.stdout)")
        let h = try CLI.run(["--help"])
        #expect(h.status == 0 && h.stdout.contains("degrade"))
    }

    @Test("degrade writes exactly the builder's LR image")
    func degradeWritesLR() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let hr = Procedural.image(seed: 11, index: 0, width: 50, height: 38)
        let hrURL = dir.appendingPathComponent("hr.png"), lrURL = dir.appendingPathComponent("lr.png")
        try PNG.write(hr, to: hrURL)
        let r = try CLI.run(["degrade", "--scale", "4", hrURL.path, lrURL.path])
        #expect(r.status == 0, "\(r.stderr)")
        let lr = try PNG.read(lrURL)
        #expect(lr == (try degrade(hr, scale: 4)))
        #expect(lr.width == 12 && lr.height == 9)
    }

    @Test("errors go to stderr with a non-zero status and name the file; nothing is written")
    func errorsNameTheFile() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("broken.png")
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0]).write(to: bad)
        let out = dir.appendingPathComponent("lr.png")
        let r = try CLI.run(["degrade", "--scale", "2", bad.path, out.path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("broken.png"))
        #expect(r.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let z = try CLI.run(["degrade", "--scale", "0", bad.path, out.path])
        #expect(z.status != 0 && z.stderr.contains("--scale"))
    }
}
