import Foundation
import SISRCore
import SRModels
import Testing

/// A network output against its reference: the largest absolute difference after the [0, 1] clamp,
/// and agreement of the uint8 values the project writes (``quantizeUnit(_:)-(Float)``: clamp, x255,
/// round half away from zero, as a release's PNGs are made).
public struct ParityStats: Sendable {
    public private(set) var maxAbs: Float = 0
    public private(set) var equalBytes = 0
    public private(set) var maxByteDiff = 0
    public let count: Int

    public init(_ got: [Float], _ want: [Float]) {
        precondition(got.count == want.count)
        count = got.count
        for (a, b) in zip(got, want) {
            let x = min(max(a, 0), 1), y = min(max(b, 0), 1)
            maxAbs = max(maxAbs, abs(x - y))
            let d = abs(Int(quantizeUnit(a)) - Int(quantizeUnit(b)))
            if d == 0 { equalBytes += 1 }
            maxByteDiff = max(maxByteDiff, d)
        }
    }

    public init(_ got: Tensor, _ want: Tensor) {
        precondition(got.shape == want.shape)
        self.init(got.data, want.data)
    }

    public var equalFraction: Double { count == 0 ? 1 : Double(equalBytes) / Double(count) }
}

/// The project's parity thresholds against a PyTorch reference (CONTRIBUTING.md "Adding an
/// architecture"): max abs error <= 1e-4 after the [0, 1] clamp, uint8 identical on >= 99.9% of values
/// and never more than 1 apart. With `unsaturated`, also that the reference exercises the unclamped
/// range (> 90% of values strictly inside (0, 1)), so the clamp cannot hide a wrong network.
public func expectParity(_ got: Tensor, _ want: Tensor, _ label: String, unsaturated: Bool = false,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.shape == want.shape, "\(label): shape \(got.shape) vs \(want.shape)", sourceLocation: sourceLocation)
    guard got.shape == want.shape else { return }
    let stats = ParityStats(got, want)
    print("parity \(label): max abs \(stats.maxAbs), uint8 equal \(stats.equalFraction)")
    #expect(stats.maxAbs <= 1e-4, "\(label): max abs error \(stats.maxAbs)", sourceLocation: sourceLocation)
    #expect(stats.equalFraction >= 0.999, "\(label): uint8 identical on \(stats.equalFraction * 100)%", sourceLocation: sourceLocation)
    #expect(stats.maxByteDiff <= 1, "\(label): uint8 off by \(stats.maxByteDiff)", sourceLocation: sourceLocation)
    if unsaturated {
        let inside = want.data.filter { $0 > 0 && $0 < 1 }.count
        #expect(Double(inside) / Double(max(want.count, 1)) > 0.9, "\(label): reference output mostly saturated",
                sourceLocation: sourceLocation)
    }
}

/// The 3x3 convolution algorithms every parity and identity test runs: im2col, and Winograd F(2x2,3x3)
/// and F(4x4,3x3) from one input channel (fixtures are narrower than the default threshold of 64), each
/// as settings derived from ``EngineSettings/current``, with a label.
public func convolutionVariants(_ base: EngineSettings = .current) -> [(label: String, settings: EngineSettings)] {
    [("im2col", base.with(winogradMinInputChannels: Int.max)),
     ("Winograd F(2x2) from 1 channel", base.with(winogradTile: 2, winogradMinInputChannels: 1)),
     ("Winograd F(4x4) from 1 channel", base.with(winogradTile: 4, winogradMinInputChannels: 1))]
}

/// Runs `net` on `x` under each of ``convolutionVariants(_:)`` and checks every output with
/// ``expectParity(_:_:_:unsaturated:sourceLocation:)``.
public func expectParity(_ net: any SRNetwork, _ x: Tensor, _ want: Tensor, _ label: String = "",
                         sourceLocation: SourceLocation = #_sourceLocation) {
    for variant in convolutionVariants() {
        let y = variant.settings.run { net(x) }
        expectParity(y, want, "\(label) (\(variant.label))", sourceLocation: sourceLocation)
    }
}

/// Reads a little-endian float32 C-order `.npy` file (version 1 or 2) as a tensor; errors name the file.
public func readNpy(_ url: URL) throws -> Tensor {
    func bad(_ problem: String) -> SISRError { .corrupt(path: url.path, problem: problem) }
    let bytes = [UInt8](try Data(contentsOf: url))
    guard bytes.count > 12, bytes[0] == 0x93, String(decoding: bytes[1..<6], as: UTF8.self) == "NUMPY" else {
        throw bad("not a .npy file")
    }
    let major = bytes[6]
    let headerLen = major == 1 ? Int(bytes[8]) | Int(bytes[9]) << 8
        : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
    let start = major == 1 ? 10 : 12
    guard start + headerLen <= bytes.count else { throw bad("header runs past the end") }
    let header = String(decoding: bytes[start..<(start + headerLen)], as: UTF8.self)
    guard header.contains("'descr': '<f4'"), header.contains("'fortran_order': False"),
          let shapeText = header.components(separatedBy: "'shape': (").dropFirst().first?.components(separatedBy: ")").first
    else { throw bad("not a little-endian float32 C-order array: \(header)") }
    let shape = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    let body = Array(bytes[(start + headerLen)...])
    let n = shape.reduce(1, *)
    guard body.count == 4 * n else { throw bad("\(body.count) data bytes for shape \(shape)") }
    let values = (0..<n).map { i in
        Float(bitPattern: UInt32(body[4 * i]) | UInt32(body[4 * i + 1]) << 8 | UInt32(body[4 * i + 2]) << 16 | UInt32(body[4 * i + 3]) << 24)
    }
    return Tensor(shape: shape, data: values)
}
