import Foundation
import SISRCore
import Testing

@testable import SRModels
import TestSupport

@Suite("SwinIR parity with PyTorch")
struct SwinIRParityTests {
    func run(_ name: String) throws {
        let fx = try TransformerFixture(name)
        let net = try fx.network(SwinIRConfig.self) { try SwinIR(config: $0, weights: $1) }.net
        for variant in convolutionVariants() {
            expectParity(variant.settings.run { net(fx.input) }, fx.expected, "\(name) (\(variant.label))", unsaturated: true)
        }
    }

    /// x2, window 4, BasicSR reflect padding, 13x11 input (neither side a multiple of the window).
    @Test func x2Reflect() throws { try run("swinir_x2") }

    /// x4, window 8, official symmetric padding, 9x14 input.
    @Test func x4Symmetric() throws { try run("swinir_x4") }

    /// Real-world GAN x4 (nearest+conv), 10x7 input.
    @Test func ganX4NearestConv() throws { try run("swinir_gan_x4") }

    /// Through the generic entry point of `sisr upscale`: sizes inferred from the checkpoint's shapes
    /// (including img_size from the stored attention mask), padding from the user's JSON.
    @Test(arguments: ["swinir_x2", "swinir_x4", "swinir_gan_x4"])
    func buildInfersConfig(_ name: String) throws {
        let fx = try TransformerFixture(name)
        let want = try fx.decodeConfig(SwinIRConfig.self)
        let json = Data(#"{"padding": "\#(want.padding.rawValue)"}"#.utf8)
        let resolved = try Architecture.swinir.resolveConfig(configJSON: json, stateDict: fx.weights, scale: nil)
        #expect(resolved as? SwinIRConfig == want)
        let net = try Architecture.swinir.build(configJSON: json, stateDict: fx.weights, name: name)
        expectParity(net(fx.input), fx.expected, name + " (built)", unsaturated: true)
        #expect(throws: ModelError.self) {
            try Architecture.swinir.build(configJSON: Data(#"{"embed_dim": 20}"#.utf8), stateDict: fx.weights, name: name)
        }
    }

    @Test func missingKeyIsReported() throws {
        let fx = try TransformerFixture("swinir_x2")
        var dict = fx.weights
        dict["layers.1.residual_group.blocks.0.attn.qkv.weight"] = nil
        dict["extra.weight"] = Tensor(zeros: [1])
        let store = WeightStore(dict, name: "broken.pth")
        _ = try SwinIR(config: try fx.decodeConfig(SwinIRConfig.self), weights: WeightScope(store))
        #expect {
            try store.finish(strict: true)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("layers.1.residual_group.blocks.0.attn.qkv.weight") && text.contains("extra.weight")
        }
    }

    @Test func outputIndependentOfThreadCount() throws {
        let fx = try TransformerFixture("swinir_x4")
        let net = try SwinIR(config: try fx.decodeConfig(SwinIRConfig.self),
                             weights: WeightScope(WeightStore(fx.weights, name: "swinir_x4")))
        let one = EngineSettings.current.with(threads: 1).run { net(fx.input) }
        let two = EngineSettings.current.with(threads: 2).run { net(fx.input) }
        #expect(one.data == two.data)
    }

    @Test func configDecodesBasicSRKeysWithDefaults() throws {
        let cfg = try JSONDecoder().decode(SwinIRConfig.self, from: Data(#"{"upscale": 4, "padding": "symmetric"}"#.utf8))
        #expect(cfg.upscale == 4 && cfg.embedDim == 180 && cfg.depths == [6, 6, 6, 6, 6, 6] && cfg.windowSize == 8)
        #expect(cfg.padding == .symmetric && cfg.upsampler == "pixelshuffle")
        let bad = SwinIRConfig(embedDim: 100, numHeads: [6, 6, 6, 6, 6, 6])
        #expect(throws: ModelError.self) { try bad.validate() }
    }
}
