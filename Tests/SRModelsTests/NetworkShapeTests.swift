import Foundation
import SISRCore
import SRModels
import Testing
import TestSupport

@Suite("Network shapes and whole-image inference")
struct NetworkShapeTests {
    @Test("random networks produce scale x H by scale x W", arguments: [
        (Architecture.edsr, 2), (.edsr, 3), (.edsr, 4), (.rcan, 2), (.rcan, 3), (.rcan, 4),
        (.rdn, 2), (.rdn, 3), (.rdn, 4), (.rrdbnet, 1), (.rrdbnet, 2), (.rrdbnet, 4),
    ])
    func shapes(_ arch: Architecture, _ scale: Int) throws {
        let tiny: [Architecture: String] = [
            .edsr: #"{"num_feat": 8, "num_block": 1}"#,
            .rcan: #"{"num_feat": 8, "num_group": 1, "num_block": 1, "squeeze_factor": 4}"#,
            .rdn: #"{"num_feat": 8, "num_block": 1, "num_layer": 2, "num_grow_ch": 4}"#,
            .rrdbnet: #"{"num_feat": 8, "num_block": 1, "num_grow_ch": 4}"#,
        ]
        let net = try arch.random(configJSON: Data(tiny[arch]!.utf8), scale: scale, seed: 1)
        #expect(net.scale == scale)
        for (h, w) in [(7, 5), (8, 6)] {
            let y = net(Tensor(zeros: [1, 3, h, w]))
            #expect(y.shape == [1, 3, h * scale, w * scale])
            #expect(y.data.allSatisfy { $0.isFinite })
        }
    }

    @Test("superResolve quantises the network output of an RGB image")
    func superResolveImage() throws {
        let dict = try loadStateDict(ModelFixtures.models.appendingPathComponent("edsr_x2.pth"))
        let net = try Architecture.edsr.build(stateDict: dict, name: "edsr_x2.pth")
        let x = try readNpy(ModelFixtures.models.appendingPathComponent("edsr_x2_in.npy"))
        let (h, w) = (x.shape[2], x.shape[3])
        var pixels = [UInt8](repeating: 0, count: 3 * h * w)
        for c in 0..<3 { for i in 0..<(h * w) { pixels[i * 3 + c] = UInt8((x.data[c * h * w + i] * 255).rounded()) } }
        let out = superResolve(RGBImage(width: w, height: h, pixels: pixels), network: net)
        #expect(out.width == 2 * w && out.height == 2 * h)
        let expected = try readNpy(ModelFixtures.models.appendingPathComponent("edsr_x2_out.npy"))
        let reference = RGBImage.fromPlanar(expected.data, width: 2 * w, height: 2 * h)
        let same = zip(out.pixels, reference.pixels).filter { $0 == $1 }.count
        #expect(Double(same) / Double(out.pixels.count) >= 0.999)
    }

    @Test("random weights are reproducible from the seed")
    func seededRandom() throws {
        let a = try Architecture.edsr.random(configJSON: Data(#"{"num_feat": 8, "num_block": 1}"#.utf8), scale: 2, seed: 3)
        let b = try Architecture.edsr.random(configJSON: Data(#"{"num_feat": 8, "num_block": 1}"#.utf8), scale: 2, seed: 3)
        let c = try Architecture.edsr.random(configJSON: Data(#"{"num_feat": 8, "num_block": 1}"#.utf8), scale: 2, seed: 4)
        let x = randomTensor([1, 3, 5, 6], seed: 8)
        #expect(a(x) == b(x))
        #expect(a(x) != c(x))
    }
}
