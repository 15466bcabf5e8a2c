import Foundation
import SISRCore
import Testing
import TestSupport

@Suite("sisr upscale and sisr zoo: ProSR, EnhanceNet, SPSR, NCSR")
struct PretrainedUpscaleCLITests {
    /// The parity checkpoints of SRModelsTests (Scripts/make_prosr_spsr_enhancenet_fixtures.py,
    /// Scripts/make_ncsr_fixtures.py).
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SRModelsTests/Fixtures/pretrained")

    func image(width: Int, height: Int) -> RGBImage {
        var rng = SeededRandom(seed: 4, "pretrained-cli")
        return RGBImage(width: width, height: height, pixels: (0..<(3 * width * height)).map { _ in UInt8(rng.nextInt(below: 256)) })
    }

    @Test("each architecture upscales an odd-sized PNG x4 from its official container", arguments: [
        ("prosr", "prosr.pth", nil), ("enhancenet", "enhancenet_weights", nil),
        ("spsr", "spsr.pth", #"{"tap_blocks": [1, 2, 3, 4]}"#),
        ("ncsr", "ncsr.pth", #"{"stackRRDB_blocks": [1, 0], "heat": 0.8, "seed": 7}"#),
    ] as [(String, String, String?)])
    func upscale(_ arch: String, _ weights: String, _ config: String?) throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let png = dir.appendingPathComponent("in.png")
        try PNG.write(image(width: 11, height: 9), to: png)
        var outputs: [Data] = []
        for run in 0..<2 {
            let out = dir.appendingPathComponent("out\(run).png")
            let r = try CLI.run(["upscale", "--arch", arch, "--weights", Self.fixtures.appendingPathComponent(weights).path, "--scale", "4"]
                + (config.map { ["--config", $0] } ?? []) + [png.path, out.path])
            #expect(r.status == 0, "\(r.stderr)")
            let sr = try PNG.read(out)
            #expect(sr.width == 44 && sr.height == 36)
            outputs.append(try Data(contentsOf: out))
        }
        #expect(outputs[0] == outputs[1], "two runs differ (NCSR's latents must come from the seed)")
    }

    @Test("a damaged TensorFlow checkpoint is refused with exit 1 and the file named")
    func damagedTensorFlow() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        var bytes = [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent("enhancenet_weights")))
        bytes[100] ^= 0xFF
        let bad = dir.appendingPathComponent("weights")
        try Data(bytes).write(to: bad)
        let png = dir.appendingPathComponent("in.png")
        try PNG.write(image(width: 5, height: 4), to: png)
        let r = try CLI.run(["upscale", "--arch", "enhancenet", "--weights", bad.path, png.path, dir.appendingPathComponent("o.png").path])
        #expect(r.status == 1)
        #expect(r.stderr.contains(bad.path) && r.stderr.contains("CRC-32C"), "\(r.stderr)")
    }

    @Test("sisr zoo lists the five models as runnable once their weight files are present")
    func zooRunnable() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        for file in ["proSR_x4.pth", "proSRGAN_x4.pth", "weights", "spsr.pth", "4X.pth"] {
            try Data([0]).write(to: dir.appendingPathComponent(file))
        }
        let r = try CLI.run(["zoo", "--weights", dir.path], cwd: repositoryRoot)
        #expect(r.status == 0)
        for name in ["proSR-div2k-x4-L1-NA-pretrained", "proSR-div2k-x4-ProSRGAN-NA-pretrained", "EnhanceNet-NA-x4-EnhanceNet-NA-pretrained",
                     "SPSR-div2k-x4-SPSR_GAN-NA-pretrained", "NCSR-div2k-x4-NCSR_GAN-NA-pretrained"] {
            let line = r.stdout.split(separator: "\n").first { $0.hasPrefix(name + " ") }
            #expect(line?.hasSuffix("runnable") == true, "\(name): \(line ?? "missing")")
        }
    }
}
