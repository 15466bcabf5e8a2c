import Foundation
import Testing
@testable import Baselines
import SISRCore

/// BM3D against the `bm3d` PyPI package (4.0.3) on the fixtures of Scripts/make_bm3d_fixtures.py.
@Suite struct BM3DTests {
    struct Case: Decodable {
        let name, png, output: String
        let width, height, channels: Int
        let sigma, identity_psnr: Double
        /// "channels" (bm3d.bm3d) or "opp" (bm3d.bm3d_rgb); absent for the wavelet cases.
        let mode: String?
    }

    /// The denoiser that corresponds to the package call that made case `c`.
    static func bm3d(_ c: Case) -> BM3D {
        BM3D(sigma: c.sigma, colorMode: c.mode == "opp" ? .opponent : .perChannel)
    }
    struct Cases: Decodable { let cases: [Case] }

    static let dir = fixtures.url("bm3d")

    static func cases() throws -> [Case] {
        try fixtures.decode(Cases.self, "bm3d/cases.json").cases
    }

    /// The fixture's input as planes (grey PNGs decode to RGB with equal channels; keep one).
    static func input(_ c: Case) throws -> PlanarImage {
        let rgb = PlanarImage(try PNG.read(dir.appendingPathComponent(c.png)))
        return c.channels == 1 ? rgb.plane(0) : rgb
    }

    /// The package's output, stored H x W (x C) interleaved, as planes.
    static func reference(_ c: Case) throws -> PlanarImage {
        let bytes = try Data(contentsOf: dir.appendingPathComponent(c.output))
        let n = c.width * c.height
        #expect(bytes.count == n * c.channels * 4)
        var planes = [Float](repeating: 0, count: n * c.channels)
        bytes.withUnsafeBytes { raw in
            for i in 0..<(n * c.channels) {
                let v = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                planes[(i % c.channels) * n + i / c.channels] = v
            }
        }
        return PlanarImage(width: c.width, height: c.height, channels: c.channels, data: planes)
    }

    static func psnr(_ a: PlanarImage, _ b: PlanarImage) -> Double {
        var se = 0.0
        for i in a.data.indices { let d = Double(a.data[i] - b.data[i]); se += d * d }
        return 10 * log10(255 * 255 / (se / Double(a.data.count)))
    }

    @Test func matchesPackageOnCleanImagesAtSigma5() throws {
        // The paper's operating point: sigma 5 on clean 8-bit images. The issue asks for >= 40 dB; an
        // identity "denoiser" already reaches ~45 dB here, so we also require 50 dB and a clear margin
        // over identity (measured: 54.2-56.7 dB).
        for c in try Self.cases() where c.sigma == 5 {
            let out = Self.bm3d(c).denoise(try Self.input(c))
            let p = Self.psnr(out, try Self.reference(c))
            print("BM3D vs package, \(c.name): \(p) dB (identity \(c.identity_psnr) dB)")
            #expect(p >= 50, "\(c.name): \(p) dB")
            #expect(p >= c.identity_psnr + 6, "\(c.name): \(p) dB vs identity \(c.identity_psnr) dB")
        }
    }

    @Test func residualsAgreeWithThePackagesAtSigma5() throws {
        // What PRNU uses: residual = image - BM3D(image). Measured: correlation 0.90-0.97, Int8
        // residuals (truncated) within +-1 of the package's for 98.5-99.2% of values.
        for c in try Self.cases() where c.sigma == 5 {
            let img = try Self.input(c)
            let mine = Self.bm3d(c).denoise(img), ref = try Self.reference(c)
            let a = img.data.indices.map { Double(img.data[$0] - mine.data[$0]) }
            let b = img.data.indices.map { Double(img.data[$0] - ref.data[$0]) }
            let corr = PRNUBaseline.correlation(a, b)
            let close = a.indices.filter { abs(a[$0].rounded(.towardZero) - b[$0].rounded(.towardZero)) <= 1 }.count
            let frac = Double(close) / Double(a.count)
            print("BM3D residual vs package, \(c.name): correlation \(corr), Int8 within 1: \(frac)")
            #expect(corr >= 0.88, "\(c.name): residual correlation \(corr)")
            #expect(frac >= 0.98, "\(c.name): \(frac) of Int8 residuals within 1")
        }
    }

    @Test func denoisesNoisyImagesLikeThePackage() throws {
        // Real noise (sigma 15-20): identity is ~24-28 dB from the package, so 40 dB means the same
        // denoising (measured: 40.9-41.6 dB; the rest is the package's hard-thresholding matching).
        for c in try Self.cases() where c.sigma > 5 {
            let out = Self.bm3d(c).denoise(try Self.input(c))
            let p = Self.psnr(out, try Self.reference(c))
            print("BM3D vs package, \(c.name): \(p) dB (identity \(c.identity_psnr) dB)")
            #expect(p >= 40, "\(c.name): \(p) dB")
            #expect(p >= c.identity_psnr + 10, "\(c.name): \(p) dB vs identity \(c.identity_psnr) dB")
        }
    }

    @Test func referenceGridMatchesThePackagesStaggeredGrid() {
        // Positions read from the package's block-match storage for a 40x48 (h x w) image.
        let img = PlanarImage(width: 48, height: 40, channels: 1, data: [Float](repeating: 0, count: 48 * 40))
        let e = BM3DEngine(image: img, sigmas: [5], profile: .np)
        let refs = e.referenceGrid(step: 3).map { (Int($0) / e.nx, Int($0) % e.nx) }
        #expect(refs.count == 185)
        #expect(Array(refs.prefix(3)).map { [$0.0, $0.1] } == [[0, 0], [0, 3], [0, 6]])
        #expect(refs[15].0 == 3 && refs[16].0 == 2 && refs[17].0 == 1 && refs[14].1 == 40)
        #expect(refs.suffix(5).map { [$0.0, $0.1] } == [[32, 6], [32, 15], [32, 24], [32, 33], [32, 40]])
    }

    @Test func transformsAreExactInverses() {
        let t = BM3DTransforms.bior15
        let ti = BM3DTransforms.inverse(t, 8)
        for i in 0..<8 {
            for j in 0..<8 {
                let s = (0..<8).reduce(0.0) { $0 + t[i * 8 + $1] * ti[$1 * 8 + j] }
                #expect(abs(s - (i == j ? 1 : 0)) < 1e-9)
            }
        }
        var v: [Float] = [3, -1, 4, 1, -5, 9, 2, 6]
        var scratch = [Float](repeating: 0, count: 8)
        let orig = v
        v.withUnsafeMutableBufferPointer { vb in
            scratch.withUnsafeMutableBufferPointer { sb in
                BM3DTransforms.haarForward(vb.baseAddress!, n: 8, stride: 1, scratch: sb.baseAddress!)
                #expect(abs(vb[0] - orig.reduce(0, +) / 8.0.squareRoot().asFloat) < 1e-5)
                BM3DTransforms.haarInverse(vb.baseAddress!, n: 8, stride: 1, scratch: sb.baseAddress!)
            }
        }
        for i in 0..<8 { #expect(abs(v[i] - orig[i]) < 1e-5) }
        // numpy.kaiser(8, 2)[0]
        #expect(abs(BM3DTransforms.kaiser(8, beta: 2)[0] - 0.4386762798370488) < 1e-12)
    }

    @Test func isDeterministicAndKeepsFlatImages() throws {
        let c = try #require(try Self.cases().first { $0.channels == 3 })
        let img = try Self.input(c)
        let a = BM3D(sigma: 5).denoise(img), b = BM3D(sigma: 5).denoise(img)
        #expect(a == b)
        let flat = PlanarImage(width: 20, height: 17, channels: 1, data: [Float](repeating: 77, count: 340))
        let f = BM3D(sigma: 5).denoise(flat)
        #expect(f.data.allSatisfy { abs($0 - 77) < 1e-3 })
        let tiny = PlanarImage(width: 5, height: 9, channels: 1, data: [Float](repeating: 1, count: 45))
        #expect(BM3D(sigma: 5).denoise(tiny) == tiny)
        // Edge sizes: a single block, and sides just above the block size.
        for (w, h) in [(8, 8), (9, 13), (12, 8)] {
            var rng = SeededRandom(seed: 3, "bm3d-edge", "\(w)x\(h)")
            let data = (0..<(w * h * 2)).map { _ in Float(rng.nextInt(below: 256)) }
            let out = BM3D(sigma: 10).denoise(PlanarImage(width: w, height: h, channels: 2, data: data))
            #expect(out.width == w && out.height == h && out.channels == 2)
            #expect(out.data.allSatisfy { $0.isFinite && $0 > -60 && $0 < 320 })
        }
    }
}

private extension Double { var asFloat: Float { Float(self) } }
