import Foundation
import SISRCore
import Testing

@testable import SRModels
import TestSupport

@Suite("NLSN parity with PyTorch")
struct NLSNParityTests {
    func run(_ name: String) throws {
        let fx = try TransformerFixture(name)
        let (cfg, net) = try fx.network(NLSNConfig.self) { try NLSN(config: $0, weights: $1) }
        // the rotations the Swift seed produces are exactly the ones the reference used
        let (h, w) = (fx.input.shape[2], fx.input.shape[3])
        let nb = LSHAttention.buckets(tokens: h * w, chunk: cfg.chunkSize)
        for case let .attention(a) in net.body {
            let want = try #require(fx.io["rotations.\(a.bodyIndex)"])
            let got = NLSNRotations.make(seed: cfg.hashSeed, bodyIndex: a.bodyIndex, channels: a.convMatch.outChannels,
                                         hashes: cfg.nHashes, buckets: nb)
            #expect(got == want.data, "rotations of body.\(a.bodyIndex)")
        }
        for variant in convolutionVariants() {
            expectParity(variant.settings.run { net(fx.input) }, fx.expected, "\(name) (\(variant.label))", unsaturated: true)
        }
    }

    /// x2, 15x13 input (L = 195: 12 buckets, runs padded by 13), 4 hash rounds, two attention modules.
    @Test func x2() throws { try run("nlsn_x2") }

    /// x4, 12x10 input (L = 120: 8 buckets, runs padded by 8), 2 hash rounds, res_scale 0.5.
    @Test func x4() throws { try run("nlsn_x4") }

    /// Fewer pixels than one chunk (the reference fails): 2 buckets, cyclic padding, finite output.
    @Test func inputSmallerThanAChunk() throws {
        let cfg = NLSNConfig(scale: 2, nResblocks: 0, nFeats: 8, chunkSize: 144, nHashes: 2, reduction: 4)
        let net = try NLSN(config: cfg, weights: WeightScope(WeightStore.random(seed: 3)))
        let out = net(Tensor(shape: [1, 3, 5, 7], data: (0..<105).map { Float($0 % 11) / 11 }))
        #expect(out.shape == [1, 3, 10, 14])
        #expect(out.data.allSatisfy { $0.isFinite })
    }

    /// Through the generic entry point of `sisr upscale`: sizes inferred, the rest from JSON.
    @Test(arguments: ["nlsn_x2", "nlsn_x4"])
    func buildInfersConfig(_ name: String) throws {
        let fx = try TransformerFixture(name)
        let want = try fx.decodeConfig(NLSNConfig.self)
        let json = Data("""
            {"chunk_size": \(want.chunkSize), "n_hashes": \(want.nHashes), "res_scale": \(want.resScale), "hash_seed": \(want.hashSeed)}
            """.utf8)
        let resolved = try Architecture.nlsn.resolveConfig(configJSON: json, stateDict: fx.weights, scale: nil)
        #expect(resolved as? NLSNConfig == want)
        let net = try Architecture.nlsn.build(configJSON: json, stateDict: fx.weights, name: name)
        expectParity(net(fx.input), fx.expected, name + " (built)", unsaturated: true)
    }

    @Test func deterministicAndSeedSensitive() throws {
        let fx = try TransformerFixture("nlsn_x2")
        var cfg = try fx.decodeConfig(NLSNConfig.self)
        let a = try NLSN(config: cfg, weights: WeightScope(WeightStore(fx.weights, name: "a")))
        let one = EngineSettings.current.with(threads: 1).run { a(fx.input) }
        #expect(EngineSettings.current.with(threads: 2).run { a(fx.input) }.data == one.data)
        cfg.hashSeed += 1
        let b = try NLSN(config: cfg, weights: WeightScope(WeightStore(fx.weights, name: "b")))
        #expect(b(fx.input).data != one.data)
    }

    @Test func officialBodyLayout() throws {
        // 32 blocks: attention at 0, 9, 18, 27, 36 and the closing conv at 37
        let net = try NLSN(config: NLSNConfig(nResblocks: 32, nFeats: 8, reduction: 4),
                           weights: WeightScope(WeightStore.random(seed: 1)))
        var attention: [Int] = []
        for (i, m) in net.body.enumerated() { if case .attention = m { attention.append(i) } }
        #expect(attention == [0, 9, 18, 27, 36])
        #expect(net.body.count == 38)
    }
}
