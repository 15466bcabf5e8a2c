import Foundation
import Testing
@testable import Baselines
import SISRCore

/// WaveletDenoiser against a PyWavelets + SciPy reference (Scripts/make_bm3d_fixtures.py,
/// `wavelet_denoise`): the same definition evaluated in double precision by independent code, so the
/// outputs agree to float32 storage precision. The bound (max |diff| <= 2e-3 grey levels) leaves
/// room for float32 rounding of the stored output (~1e-5 relative at 255) and summation order.
@Suite struct BM3DWaveletTests {
    struct Cases: Decodable { let cases: [BM3DTests.Case] }

    @Test func matchesPyWaveletsReference() throws {
        let url = BM3DTests.dir.appendingPathComponent("wavelet_cases.json")
        let cases = try JSONDecoder().decode(Cases.self, from: Data(contentsOf: url)).cases
        #expect(cases.count == 2)
        for c in cases {
            let out = WaveletDenoiser(sigma: c.sigma).denoise(try BM3DTests.input(c))
            let ref = try BM3DTests.reference(c)
            var maxDiff: Float = 0
            for i in out.data.indices { maxDiff = max(maxDiff, abs(out.data[i] - ref.data[i])) }
            #expect(maxDiff <= 2e-3, "\(c.name): max diff \(maxDiff)")
        }
    }

    @Test func transformIsOrthogonalAndInvertible() {
        let orig = (0..<(32 * 48)).map { Double(($0 * 37) % 251) }
        var y = orig
        WaveletDenoiser.forward2D(&y, stride: 48, w: 48, h: 32)
        let energy = { (v: [Double]) in v.reduce(0) { $0 + $1 * $1 } }
        #expect(abs(energy(y) - energy(orig)) < 1e-6 * energy(orig))
        WaveletDenoiser.inverse2D(&y, stride: 48, w: 48, h: 32)
        for i in y.indices { #expect(abs(y[i] - orig[i]) < 1e-9) }
    }
}
