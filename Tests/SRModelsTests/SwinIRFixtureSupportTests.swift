import Foundation
import SISRCore
import Testing

@testable import SRModels

/// One parity case written by `Scripts/make_transformer_fixtures.py` into `Fixtures/transformer/`.
struct TransformerFixture {
    let weights: StateDict
    let io: StateDict
    let input: Tensor
    let expected: Tensor
    let config: Data
    let name: String

    private struct Description: Decodable { let config: JSONValue }

    init(_ name: String) throws {
        let dir = fixtures.url("transformer")
        weights = try loadStateDict(dir.appendingPathComponent("\(name).pth"))
        io = try loadStateDict(dir.appendingPathComponent("\(name)_io.pth"))
        input = try #require(io["input"], "\(name)_io.pth has no input")
        expected = try #require(io["output"], "\(name)_io.pth has no output")
        config = Data(try CanonicalJSON.encode(try fixtures.decode(Description.self, "transformer/\(name).json").config))
        self.name = name
    }

    func decodeConfig<C: Decodable>(_ type: C.Type) throws -> C {
        try JSONDecoder().decode(type, from: config)
    }

    /// The fixture's config and the network `make` builds from its weights, every weight used.
    func network<C: Decodable, N>(_ type: C.Type, _ make: (C, WeightScope) throws -> N) throws -> (config: C, net: N) {
        let cfg = try decodeConfig(type)
        let store = WeightStore(weights, name: "\(name).pth")
        let net = try make(cfg, WeightScope(store))
        try store.finish(strict: true)
        return (cfg, net)
    }
}

@Suite("Transformer padding rules")
struct WindowPaddingTests {
    @Test func reflectAndSymmetricSizes() {
        #expect(WindowPadding.reflect.paddedSize(16, window: 8) == 16)
        #expect(WindowPadding.reflect.paddedSize(13, window: 8) == 16)
        #expect(WindowPadding.symmetric.paddedSize(16, window: 8) == 24)
        #expect(WindowPadding.symmetric.paddedSize(13, window: 8) == 16)
    }

    @Test func mirrorIndices() {
        // side 5: reflect excludes the edge (5 -> 3), symmetric includes it (5 -> 4)
        #expect((5..<8).map { WindowPadding.reflect.sourceIndex($0, size: 5) } == [3, 2, 1])
        #expect((5..<8).map { WindowPadding.symmetric.sourceIndex($0, size: 5) } == [4, 3, 2])
    }

    @Test func tinyInputsWorkWithBothRules() throws {
        // 3x3 with window 8: PyTorch's reflect pad would refuse; reflection continues periodically
        #expect((3..<8).map { WindowPadding.reflect.sourceIndex($0, size: 3) } == [1, 0, 1, 2, 1])
        for rule in WindowPadding.allCases {
            let cfg = SwinIRConfig(upscale: 2, imgSize: 16, windowSize: 8, embedDim: 8, depths: [2], numHeads: [2],
                                   numFeat: 8, padding: rule)
            let net = try SwinIR(config: cfg, weights: WeightScope(WeightStore.random(seed: 1)))
            let out = net(Tensor(shape: [1, 3, 3, 3], data: (0..<27).map { Float($0) / 27 }))
            #expect(out.shape == [1, 3, 6, 6])
            #expect(out.data.allSatisfy { $0.isFinite })
        }
    }
}
