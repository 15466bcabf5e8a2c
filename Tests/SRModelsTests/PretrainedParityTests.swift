import Foundation
@testable import SRModels
import Testing
import TestSupport

/// Fixtures of Scripts/make_prosr_spsr_enhancenet_fixtures.py and make_ncsr_fixtures.py.
enum PretrainedFixtures {
    static var dir: URL { fixtures.url("pretrained") }

    static func entries(_ manifest: String) throws -> [ModelFixtures.Entry] { try ModelFixtures.entries("pretrained/" + manifest) }

    static func cnn() throws -> [ModelFixtures.Entry] { try entries("prosr-spsr-enhancenet.json") }

    static func network(_ e: ModelFixtures.Entry) throws -> any SRNetwork {
        let dict = try loadStateDict(dir.appendingPathComponent(e.weights))
        return try Architecture(named: e.arch).build(configJSON: e.configJSON, stateDict: dict, name: e.weights, scale: e.scale)
    }
}

@Suite("Reference parity of ProSR, SPSR and EnhanceNet")
struct PretrainedParityTests {
    @Test("matches the reference output", arguments: try PretrainedFixtures.cnn())
    func parity(_ e: ModelFixtures.Entry) throws {
        let net = try PretrainedFixtures.network(e)
        #expect(net.scale == e.scale)
        let x = try readNpy(PretrainedFixtures.dir.appendingPathComponent(e.input))
        let expected = try readNpy(PretrainedFixtures.dir.appendingPathComponent(e.output))
        expectParity(net, x, expected, e.name)
    }

    @Test("EnhanceNet's residual base is TensorFlow 1's legacy bicubic resize, bit for bit")
    func tensorflowBicubic() throws {
        let x = try readNpy(PretrainedFixtures.dir.appendingPathComponent("enhancenet_in.npy"))
        let expected = try readNpy(PretrainedFixtures.dir.appendingPathComponent("enhancenet_bicubic.npy"))
        let means: [Float] = [0.47614917, 0.45001204, 0.40904046]
        let (_, _, h, w) = x.nchw
        var xs = x
        for c in 0..<3 {
            for i in 0..<(h * w) {
                let k = c * h * w + i
                xs.data[k] = Float(Double((x.data[k] * 255).rounded()) / 255 - Double(means[c]))
            }
        }
        let y = tfLegacyBicubicResize(xs, height: 4 * h, width: 4 * w)
        let worst = zip(y.data, expected.data).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-6, "max abs difference \(worst)")
    }

    @Test("sizes are inferred from the checkpoints")
    func inferred() throws {
        let prosr = try #require(
            try Architecture.prosr.resolveConfig(
                configJSON: nil, stateDict: loadStateDict(PretrainedFixtures.dir.appendingPathComponent("prosr.pth")), scale: nil)
                as? ProSRConfig)
        #expect(prosr.numInitFeatures == 6 && prosr.growthRate == 3 && prosr.bnSize == 2)
        #expect(prosr.levelConfig == [[2, 1], [1]] && prosr.maxScale == 4)
        let spsr = try #require(
            try Architecture.spsr.resolveConfig(
                configJSON: #"{"tap_blocks": [1, 2, 3, 4]}"#.data(using: .utf8),
                stateDict: loadStateDict(PretrainedFixtures.dir.appendingPathComponent("spsr.pth")), scale: nil) as? SPSRConfig)
        #expect(spsr.nf == 2 && spsr.gc == 1 && spsr.upscale == 4 && spsr.nb >= 4)
        let enhance = try #require(
            try Architecture.enhancenet.resolveConfig(
                configJSON: nil, stateDict: loadStateDict(PretrainedFixtures.dir.appendingPathComponent("enhancenet_weights")),
                scale: nil) as? EnhanceNetConfig)
        #expect(enhance.n == 4 && enhance.residualBlocks == 2)
    }

    @Test("SPSR's default taps (after blocks 5, 10, 15, 20) are refused for a 4-block checkpoint")
    func spsrTapsValidated() throws {
        let dict = try loadStateDict(PretrainedFixtures.dir.appendingPathComponent("spsr.pth"))
        #expect(throws: ModelError.self) { try Architecture.spsr.build(stateDict: dict, name: "spsr.pth") }
    }
}

@Suite("Instruction-set independence of ProSR, SPSR, EnhanceNet and NCSR", .serialized)
struct PretrainedISAIdentityTests {
    static func all() throws -> [ModelFixtures.Entry] { try PretrainedFixtures.cnn() + PretrainedFixtures.entries("ncsr.json") }

    @Test("generic (1 thread) == AVX2 (2 threads), im2col, Winograd F(2x2) and F(4x4)", .enabled(if: GEMM.detectedISA >= .avx2, "no AVX2+FMA on this CPU"), arguments: try all())
    func avx2(_ e: ModelFixtures.Entry) throws { try same(e, .avx2) }

    @Test("generic (1 thread) == AVX-512 (2 threads), im2col, Winograd F(2x2) and F(4x4)", .enabled(if: GEMM.detectedISA >= .avx512, "no AVX-512F on this CPU"), arguments: try all())
    func avx512(_ e: ModelFixtures.Entry) throws { try same(e, .avx512) }

    func same(_ e: ModelFixtures.Entry, _ isa: ISA) throws {
        let net = try PretrainedFixtures.network(e)
        let x = try readNpy(PretrainedFixtures.dir.appendingPathComponent(e.input))
        for variant in convolutionVariants() {
            let bytes = { (isa: ISA, threads: Int) in
                variant.settings.with(threads: threads, isa: isa).run { net(x) }.data.withUnsafeBytes { Array($0) }
            }
            #expect(bytes(.generic, 1) == bytes(isa, 2), "\(e.name), \(variant.label): \(isa.rawValue) with 2 threads differs from generic with 1")
        }
    }
}
