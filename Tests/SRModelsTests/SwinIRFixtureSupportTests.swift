import Foundation
import SISRCore
import Testing

@testable import SRModels

/// One parity case written by `Scripts/make_transformer_fixtures.py` into `Fixtures/transformer/`.
struct TransformerFixture {
    let weights: StateDict
    let io: StateDict
    let config: Data
    let name: String

    init(_ name: String) throws {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent("transformer")
        weights = try loadStateDict(dir.appendingPathComponent("\(name).pth"))
        io = try loadStateDict(dir.appendingPathComponent("\(name)_io.pth"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("\(name).json")))
        let dict = try #require(json as? [String: Any])
        config = try JSONSerialization.data(withJSONObject: try #require(dict["config"]))
        self.name = name
    }

    func decodeConfig<C: Decodable>(_ type: C.Type) throws -> C {
        try JSONDecoder().decode(type, from: config)
    }

    var input: Tensor { io["input"]! }
    var expected: Tensor { io["output"]! }
}

/// Checks the parity thresholds: max abs error <= 1e-4 after clamping to [0, 1]; uint8 (x255, rounded
/// half away from zero) identical on >= 99.9% of values and never off by more than 1.
func expectParity(_ got: Tensor, _ want: Tensor, _ label: String) {
    #expect(got.shape == want.shape, "\(label): shape \(got.shape) vs \(want.shape)")
    guard got.shape == want.shape else { return }
    var maxErr: Float = 0, same = 0, worst = 0
    for (a, b) in zip(got.data, want.data) {
        let ca = min(max(a, 0), 1), cb = min(max(b, 0), 1)
        maxErr = max(maxErr, abs(ca - cb))
        let qa = Int((ca * 255).rounded(.toNearestOrAwayFromZero))
        let qb = Int((cb * 255).rounded(.toNearestOrAwayFromZero))
        if qa == qb { same += 1 }
        worst = max(worst, abs(qa - qb))
    }
    let share = Double(same) / Double(got.count)
    #expect(maxErr <= 1e-4, "\(label): max abs error \(maxErr)")
    #expect(share >= 0.999, "\(label): uint8 identical on \(share * 100)%")
    #expect(worst <= 1, "\(label): uint8 off by \(worst)")
    // the fixture must exercise the unclamped range too: most values strictly inside (0, 1)
    let inside = want.data.filter { $0 > 0 && $0 < 1 }.count
    #expect(Double(inside) / Double(want.count) > 0.9, "\(label): fixture output mostly saturated")
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
