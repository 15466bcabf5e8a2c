import Foundation
import SISRCore
import Testing
import TestSupport

@Suite("sisr upscale")
struct UpscaleCommandTests {
    /// The parity checkpoints of SRModelsTests (Scripts/make_model_fixtures.py), found from this file.
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SRModelsTests/Fixtures/models")

    func smallImage(_ seed: UInt64, width: Int, height: Int) -> RGBImage {
        var rng = SeededRandom(seed: seed, "upscale-cli")
        return RGBImage(width: width, height: height, pixels: (0..<(3 * width * height)).map { _ in UInt8(rng.nextInt(below: 256)) })
    }

    @Test("the folder form writes every PNG at the checkpoint's scale, identically for 1 and 2 threads")
    func folderForm() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        try PNG.write(smallImage(1, width: 13, height: 9), to: input.appendingPathComponent("a.png"))
        try PNG.write(smallImage(2, width: 8, height: 11), to: input.appendingPathComponent("b.png"))
        let weights = Self.models.appendingPathComponent("rrdbnet_x2_odd.pth").path
        var outputs: [[Data]] = []
        for threads in ["1", "2"] {
            let out = dir.appendingPathComponent("out\(threads)")
            let r = try CLI.run(["upscale", "--arch", "rrdbnet", "--weights", weights, "--scale", "2", "--threads", threads,
                                 input.path, out.path])
            #expect(r.status == 0, "\(r.stderr)")
            let a = try PNG.read(out.appendingPathComponent("a.png")), b = try PNG.read(out.appendingPathComponent("b.png"))
            #expect(a.width == 26 && a.height == 18 && b.width == 16 && b.height == 22)
            outputs.append(try ["a.png", "b.png"].map { try Data(contentsOf: out.appendingPathComponent($0)) })
        }
        #expect(outputs[0] == outputs[1])
    }

    @Test("a scale or config that contradicts the checkpoint, and an unknown architecture, fail with a clear message")
    func errors() throws {
        let dir = try TempDir().url
        defer { try? FileManager.default.removeItem(at: dir) }
        let png = dir.appendingPathComponent("x.png")
        try PNG.write(smallImage(3, width: 6, height: 5), to: png)
        let out = dir.appendingPathComponent("y.png").path
        let weights = Self.models.appendingPathComponent("edsr_x2.pth").path
        let wrongScale = try CLI.run(["upscale", "--arch", "edsr", "--weights", weights, "--scale", "4", png.path, out])
        #expect(wrongScale.status != 0 && wrongScale.stderr.contains("edsr_x2.pth is a x2 model"))
        let wrongConfig = try CLI.run(["upscale", "--arch", "edsr", "--weights", weights, "--config", #"{"num_block": 5}"#, png.path, out])
        #expect(wrongConfig.status != 0 && wrongConfig.stderr.contains("num_block"))
        let unknown = try CLI.run(["upscale", "--arch", "vdsr", "--weights", weights, png.path, out])
        #expect(unknown.status != 0 && unknown.stderr.contains("unknown architecture 'vdsr'"))
        #expect(!FileManager.default.fileExists(atPath: out))
        let ok = try CLI.run(["upscale", "--arch", "edsr", "--weights", weights, "--config", #"{"res_scale": 1}"#, png.path, out])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try PNG.read(URL(fileURLWithPath: out)).width == 12)
    }
}
