import Foundation
import SISRCore
import Testing

@testable import SRModels

@Suite("NLSN parity with PyTorch")
struct NLSNParityTests {
    func run(_ name: String) throws {
        let fx = try TransformerFixture(name)
        let cfg = try fx.decodeConfig(NLSNConfig.self)
        let store = WeightStore(fx.weights, name: "\(name).pth")
        let net = try NLSN(config: cfg, weights: WeightScope(store))
        try store.finish(strict: true)
        // the rotations the Swift seed produces are exactly the ones the reference used
        let (h, w) = (fx.input.shape[2], fx.input.shape[3])
        let nb = LSHAttention.buckets(tokens: h * w, chunk: cfg.chunkSize)
        for case let .attention(a) in net.body {
            let want = try #require(fx.io["rotations.\(a.bodyIndex)"])
            let got = NLSNRotations.make(seed: cfg.hashSeed, bodyIndex: a.bodyIndex, channels: a.convMatch.outChannels,
                                         hashes: cfg.nHashes, buckets: nb)
            #expect(got == want.data, "rotations of body.\(a.bodyIndex)")
        }
        let out = try net(fx.input)
        expectParity(out, fx.expected, name)
    }

    /// x2, 15x13 input (L = 195: 12 buckets, runs padded by 13), 4 hash rounds, two attention modules.
    @Test func x2() throws { try run("nlsn_x2") }

    /// x4, 12x10 input (L = 120: 8 buckets, runs padded by 8), 2 hash rounds, res_scale 0.5.
    @Test func x4() throws { try run("nlsn_x4") }

    @Test func tooSmallInputIsAnError() throws {
        let cfg = NLSNConfig(scale: 2, nResblocks: 0, nFeats: 8, chunkSize: 144, nHashes: 1, reduction: 4)
        let net = try NLSN(config: cfg, weights: WeightScope(WeightStore.random(seed: 3)))
        #expect(throws: ModelError.self) { try net(Tensor(zeros: [1, 3, 11, 13])) }
        #expect(try net(Tensor(zeros: [1, 3, 12, 12])).shape == [1, 3, 24, 24])
    }

    @Test func deterministicAndSeedSensitive() throws {
        let fx = try TransformerFixture("nlsn_x2")
        var cfg = try fx.decodeConfig(NLSNConfig.self)
        let a = try NLSN(config: cfg, weights: WeightScope(WeightStore(fx.weights, name: "a")))
        let saved = Compute.threads
        defer { Compute.threads = saved }
        Compute.threads = 1
        let one = try a(fx.input)
        Compute.threads = 2
        #expect(try a(fx.input).data == one.data)
        cfg.hashSeed += 1
        let b = try NLSN(config: cfg, weights: WeightScope(WeightStore(fx.weights, name: "b")))
        #expect(try b(fx.input).data != one.data)
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
