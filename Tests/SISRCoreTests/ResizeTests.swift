import Foundation
import Testing
@testable import SISRCore

@Suite("MATLAB bicubic resize")
struct ResizeTests {
    struct Case: Decodable { let name: String; let scale: Double; let `in`: [Int]; let out: [Int] }

    static func cases() throws -> [Case] { try fixtures.decode([Case].self, "resize/cases.json") }

    /// (values differing, worst absolute difference, total values)
    static func compare(_ name: String, reference suffix: String) throws -> (Int, Int, Int) {
        let c = try #require(try cases().first { $0.name == name })
        let input = try PNG.read(fixtures.url("resize/\(name)-in.png"))
        let expected = try PNG.read(fixtures.url("resize/\(name)\(suffix)"))
        let got = MatlabResize.resize(input, scale: c.scale)
        #expect(got.width == c.out[0] && got.height == c.out[1])
        var differing = 0, worst = 0
        for (a, b) in zip(got.pixels, expected.pixels) {
            let d = abs(Int(a) - Int(b))
            if d > 0 { differing += 1 }
            worst = max(worst, d)
        }
        return (differing, worst, got.pixels.count)
    }

    @Test("matches BasicSR imresize run in float64 on >= 99.99% of values, never off by more than 1",
          arguments: try cases().map(\.name))
    func matchesBasicSR64(name: String) throws {
        let (differing, worst, total) = try Self.compare(name, reference: "-out.png")
        #expect(worst <= 1, "max difference \(worst)")
        #expect(Double(differing) / Double(total) <= 1e-4, "\(differing) of \(total) values differ")
    }

    @Test("matches BasicSR's published float32 imresize: never off by more than 1, >= 99.9% over all cases")
    func matchesBasicSR32() throws {
        // float32 rounding moves exact .5 ties of upscaling by one level (2 values in 14400 at x2).
        var differing = 0, total = 0
        for c in try Self.cases() {
            let (d, worst, n) = try Self.compare(c.name, reference: "-out32.png")
            #expect(worst <= 1, "\(c.name): max difference \(worst)")
            differing += d
            total += n
        }
        #expect(Double(differing) / Double(total) <= 1e-3, "\(differing) of \(total) values differ")
    }

    @Test("x1/2 and x1/4 reduce to the fixed filters of the research note")
    func fixedTaps() {
        let f2 = MatlabResize.axisFilter(inLength: 40, outLength: 20, scale: 0.5)
        let taps2 = [-3.0, -9, 29, 111, 111, 29, -9, -3].map { $0 / 256 }
        #expect(f2.taps == 8)
        for j in [0, 7, 19] {
            #expect(f2.start[j] == 2 * j - 3)
            for t in 0..<8 { #expect(abs(f2.weights[j * 8 + t] - taps2[t]) < 1e-12) }
        }
        let f4 = MatlabResize.axisFilter(inLength: 40, outLength: 10, scale: 0.25)
        #expect(f4.taps == 16 && f4.start[3] == 4 * 3 - 6)
        #expect(abs(f4.weights[3 * 16 + 7] - 987.0 / 4096) < 1e-12)
    }

    @Test("modcrop keeps the top-left multiple of the scale and degrade shrinks by it")
    func modcropAndDegrade() throws {
        let hr = Procedural.image(seed: 1, index: 0, width: 23, height: 18)
        let cropped = hr.modcropped(to: 4)
        #expect(cropped.width == 20 && cropped.height == 16)
        #expect(cropped[3, 5, 1] == hr[3, 5, 1])
        let lr = try degrade(hr, scale: 4)
        #expect(lr.width == 5 && lr.height == 4)
        #expect(lr == MatlabResize.resize(cropped, scale: 0.25))
    }

    @Test("a constant image stays constant at any scale")
    func constant() {
        let img = RGBImage(width: 11, height: 7, pixels: [UInt8](repeating: 173, count: 11 * 7 * 3))
        for s in [0.5, 0.3, 1.7] {
            #expect(MatlabResize.resize(img, scale: s).pixels.allSatisfy { $0 == 173 })
        }
    }
}
