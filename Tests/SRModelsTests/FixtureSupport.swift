import Foundation
import SRModels
import Testing

/// Fixture files of this test target.
enum Fixtures {
    static var root: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)! }
    static var models: URL { root.appendingPathComponent("models") }

    struct ModelFixture: Decodable, CustomStringConvertible {
        let name: String
        let arch: String
        let weights: String
        let container: String
        let config: [String: Double]
        let scale: Int
        let input: String
        let output: String

        var description: String { "\(weights) (\(container))" }
        var configJSON: Data { try! JSONSerialization.data(withJSONObject: config) }
    }

    struct Manifest: Decodable {
        let fixtures: [ModelFixture]
    }

    /// Every entry of `models/manifest.json` written by Scripts/make_model_fixtures.py.
    static let modelFixtures: [ModelFixture] = {
        let data = try! Data(contentsOf: models.appendingPathComponent("manifest.json"))
        return try! JSONDecoder().decode(Manifest.self, from: data).fixtures
    }()
}

/// Reads a little-endian float32 C-order `.npy` file (version 1 or 2) as a tensor.
func readNpy(_ url: URL) throws -> Tensor {
    let bytes = [UInt8](try Data(contentsOf: url))
    try #require(bytes.count > 10 && bytes[0] == 0x93 && String(decoding: bytes[1..<6], as: UTF8.self) == "NUMPY")
    let major = bytes[6]
    let headerLen = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8 : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
    let start = major == 1 ? 10 : 12
    let header = String(decoding: bytes[start..<(start + headerLen)], as: UTF8.self)
    try #require(header.contains("'descr': '<f4'") && header.contains("'fortran_order': False"))
    let shapeText = header.components(separatedBy: "'shape': (")[1].components(separatedBy: ")")[0]
    let shape = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    let body = Array(bytes[(start + headerLen)...])
    let n = shape.reduce(1, *)
    try #require(body.count == 4 * n)
    let values = (0..<n).map { i in
        Float(bitPattern: UInt32(body[4 * i]) | UInt32(body[4 * i + 1]) << 8 | UInt32(body[4 * i + 2]) << 16 | UInt32(body[4 * i + 3]) << 24)
    }
    return Tensor(shape: shape, data: values)
}

/// Comparison of a network output with the reference after the [0,1] clamp.
struct ParityStats {
    var maxAbs: Float = 0
    var equalBytes = 0
    var maxByteDiff = 0
    var count = 0

    init(_ a: Tensor, _ b: Tensor) {
        precondition(a.shape == b.shape)
        count = a.count
        for i in 0..<a.count {
            let x = min(max(a.data[i], 0), 1), y = min(max(b.data[i], 0), 1)
            maxAbs = max(maxAbs, abs(x - y))
            let d = abs(Int(quantizeByte(a.data[i])) - Int(quantizeByte(b.data[i])))
            if d == 0 { equalBytes += 1 }
            maxByteDiff = max(maxByteDiff, d)
        }
    }

    var equalFraction: Double { Double(equalBytes) / Double(count) }
}

/// BasicSR tensor2img: clamp, x255, round half to even.
func quantizeByte(_ v: Float) -> UInt8 {
    UInt8((min(max(v, 0), 1) * 255).rounded(.toNearestOrEven))
}

/// Builds `fixture`'s network from its checkpoint in `dir` and checks it against the recorded PyTorch
/// output, with every 3x3 convolution by im2col and then by Winograd (fixtures are narrower than the
/// default Winograd threshold): max abs error <= 1e-4, uint8 equal on >= 99.9%, at most 1 apart.
func checkParity(_ fixture: Fixtures.ModelFixture, in dir: URL) throws {
    let dict = try loadStateDict(dir.appendingPathComponent(fixture.weights))
    let arch = try Architecture(named: fixture.arch)
    let net = try arch.build(configJSON: fixture.configJSON, stateDict: dict, name: fixture.weights, scale: fixture.scale)
    #expect(net.scale == fixture.scale)
    let x = try readNpy(dir.appendingPathComponent(fixture.input))
    let expected = try readNpy(dir.appendingPathComponent(fixture.output))
    try expectParity(net, x, expected, fixture.name)
}

/// Runs `net` on `x` with every 3x3 convolution by im2col, then every one by Winograd, and checks both
/// against the reference: max abs error <= 1e-4 after the [0,1] clamp, uint8 identical on >= 99.9%
/// of values and never more than 1 apart.
func expectParity(_ net: any SRNetwork, _ x: Tensor, _ expected: Tensor, _ name: String = "") throws {
    for minChannels in [Int.max, 1] {
        let y = EngineSettings.current.with(winogradMinInputChannels: minChannels).run { net(x) }
        try #require(y.shape == expected.shape)
        let stats = ParityStats(y, expected)
        print("parity \(name) (Winograd from \(minChannels) channels): max abs \(stats.maxAbs), uint8 equal \(stats.equalFraction)")
        #expect(stats.maxAbs <= 1e-4, "\(name): max abs error \(stats.maxAbs) (Winograd from \(minChannels) channels)")
        #expect(stats.equalFraction >= 0.999, "\(name): uint8 agreement \(stats.equalFraction)")
        #expect(stats.maxByteDiff <= 1)
    }
}
