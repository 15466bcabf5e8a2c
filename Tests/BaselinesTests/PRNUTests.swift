import Foundation
import Testing
@testable import Baselines
import SISRCore

/// PRNU baseline on synthetic "cameras": every class adds its own fixed noise pattern to photo-like
/// procedural images, as a sensor (or an upsampler) would.
@Suite struct PRNUTests {
    /// A fixed +-amplitude pattern per class (seeded), size `side x side x 3`.
    static func pattern(label: Int, side: Int, amplitude: Int) -> [Int] {
        var rng = SeededRandom(seed: 7, "prnu-pattern", String(label))
        return (0..<(side * side * 3)).map { _ in rng.nextInt(below: 2 * amplitude + 1) - amplitude }
    }

    static func sample(label: Int, index: Int, side: Int, amplitude: Int = 6) -> RGBImage {
        var img = Procedural.image(seed: 11, index: label * 100 + index, width: side, height: side)
        let p = pattern(label: label, side: side, amplitude: amplitude)
        for i in img.pixels.indices { img.pixels[i] = UInt8(clamping: Int(img.pixels[i]) + p[i]) }
        return img
    }

    static func accuracy(_ model: PRNUBaseline, classes: Int, perClass: Int, side: Int) throws -> Double {
        var right = 0
        for label in 0..<classes {
            for i in 0..<perClass where try model.predict(sample(label: label, index: 50 + i, side: side)).label == label {
                right += 1
            }
        }
        return Double(right) / Double(classes * perClass)
    }

    @Test(arguments: PRNUBaseline.Match.allCases)
    func classifiesKnownPatternsWithWavelet(match: PRNUBaseline.Match) throws {
        let side = 48
        var model = PRNUBaseline(denoiser: WaveletDenoiser(sigma: 5), crop: 32, match: match)
        var train: [(image: RGBImage, label: Int)] = []
        for label in 0..<5 { for i in 0..<6 { train.append((Self.sample(label: label, index: i, side: side), label)) } }
        try model.fit(samples: train)
        #expect(model.labels == [0, 1, 2, 3, 4])
        #expect(model.fingerprints.count == 5 && model.fingerprints[0].count == 32 * 32 * 3)
        let acc = try Self.accuracy(model, classes: 5, perClass: 4, side: side)
        print("PRNU wavelet \(match) accuracy \(acc)")
        #expect(acc >= 0.9, "accuracy \(acc)")
    }

    @Test func classifiesKnownPatternsWithBM3D() throws {
        let side = 40
        var model = PRNUBaseline(denoiser: BM3D(sigma: 5), crop: 24)
        var train: [(image: RGBImage, label: Int)] = []
        for label in 0..<3 { for i in 0..<4 { train.append((Self.sample(label: label, index: i, side: side), label)) } }
        try model.fit(samples: train)
        let acc = try Self.accuracy(model, classes: 3, perClass: 3, side: side)
        print("PRNU BM3D accuracy \(acc)")
        #expect(acc >= 0.85, "accuracy \(acc)")
        // Same input, same scores.
        let img = Self.sample(label: 1, index: 77, side: side)
        #expect(try model.predict(img) == model.predict(img))
    }

    @Test func streamingAddEqualsFitInAnyOrder() throws {
        let samples = [(2, 0), (0, 1), (2, 2), (1, 3), (0, 4)].map { (Self.sample(label: $0.0, index: $0.1, side: 36), $0.0) }
        var a = PRNUBaseline(denoiser: WaveletDenoiser(), crop: 32)
        try a.fit(samples: samples.map { (image: $0.0, label: $0.1) })
        var b = PRNUBaseline(denoiser: WaveletDenoiser(), crop: 32)
        for (img, label) in samples.reversed() { try b.add(img, label: label) }
        #expect(a.labels == [0, 1, 2] && b.labels == [0, 1, 2] && a.sampleCounts == [2, 1, 2])
        #expect(a.fingerprints == b.fingerprints)
        let probe = Self.sample(label: 1, index: 9, side: 36)
        #expect(try a.predict(probe) == b.predict(probe))
        // The fingerprint of a one-sample class is that sample's residual.
        #expect(a.fingerprints[1] == (try a.residual(samples[3].0)).map { Float($0) })
    }

    @Test func residualIsTruncatedAndCenterCropped() throws {
        // A denoiser that returns a constant: residual = value - 100.4, truncated toward zero.
        struct Constant: Denoiser {
            var name: String { "constant" }
            func denoise(_ image: PlanarImage) -> PlanarImage {
                PlanarImage(width: image.width, height: image.height, channels: image.channels,
                            data: [Float](repeating: 100.4, count: image.data.count))
            }
        }
        var img = RGBImage(width: 7, height: 6)
        for y in 0..<6 { for x in 0..<7 { for c in 0..<3 { img[x, y, c] = UInt8(min(255, y * 51 + x + c)) } } }
        let crop = try PRNUResidual.centerCrop(img, size: 4)
        #expect(crop[0, 0, 0] == img[1, 1, 0] && crop.width == 4)
        let r = PRNUResidual.residual(img, denoiser: Constant())
        for i in img.pixels.indices {
            let d = Float(img.pixels[i]) - 100.4
            #expect(Int(r[i]) == Int(max(-128, min(127, d.rounded(.towardZero)))))
        }
        #expect(r.contains(127) && r.contains(-100))  // clipped high values, truncated low ones
    }

    @Test func rejectsBadInputWithClearErrors() throws {
        var model = PRNUBaseline(denoiser: WaveletDenoiser(), crop: 32)
        #expect(throws: SISRError.self) { try model.predict(Self.sample(label: 0, index: 0, side: 40)) }
        let small = Self.sample(label: 0, index: 0, side: 20)
        do {
            try model.fit(samples: [(small, 0)])
            Issue.record("fit accepted an image smaller than the crop")
        } catch let e as SISRError {
            #expect(e.description.contains("20x20") && e.description.contains("32x32") && e.description.contains("sample 0"))
        }
        try model.fit(samples: [(Self.sample(label: 0, index: 0, side: 40), 0)])
        #expect(throws: SISRError.self) { try model.predict(small, name: "small.png") }
        #expect(throws: SISRError.self) { try model.predict(residual: [Int8](repeating: 0, count: 10)) }
        #expect(throws: SISRError.self) { try model.add(residual: [Int8](repeating: 0, count: 24 * 24 * 3), label: 1) }
        #expect(throws: SISRError.self) { try PRNUResidual.centerCrop(small, size: 0) }
    }
}
