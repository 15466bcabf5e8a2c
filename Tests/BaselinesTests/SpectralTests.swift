import Foundation
import Testing
import SISRCore
@testable import Baselines

@Suite struct SpectralTests {
    struct Record: Decodable { let name: String; let width: Int; let height: Int; let re: [Double]; let im: [Double]; let features: [Double] }
    struct FixtureFile: Decodable { let images: [Record] }
    static let dir = fixtures.url("spectral")
    static func records() throws -> [Record] {
        try fixtures.decode(FixtureFile.self, "spectral/spectral.json").images
    }

    @Test func dftMatchesNumpyFFT() throws {
        for r in try Self.records() {
            let img = try PNG.read(Self.dir.appendingPathComponent("\(r.name).png"))
            let grey = Acutance.grey(img).map(Double.init)
            let (re, im) = DFT2D.transform(grey, width: r.width, height: r.height)
            let scale = r.re.map(abs).max()!
            for i in 0..<re.count {
                #expect(abs(re[i] - r.re[i]) <= 1e-9 * scale && abs(im[i] - r.im[i]) <= 1e-9 * scale, "\(r.name) [\(i)]")
            }
        }
    }

    @Test func featuresMatchNumpyReference() throws {
        for r in try Self.records() {
            let img = try PNG.read(Self.dir.appendingPathComponent("\(r.name).png"))
            let f = SpectralFeatures().features(img)
            #expect(f.count == r.features.count)
            for i in 0..<f.count {
                #expect(abs(f[i] - r.features[i]) <= 1e-9 * max(1, abs(r.features[i])), "\(r.name) feature \(i): \(f[i]) vs \(r.features[i])")
            }
        }
    }

    /// Noise upsampled by nearest neighbour x1, x2 or x4 (plus a little noise): the three leave different
    /// periodic structure in the spectrum.
    static func synthetic(_ cls: Int, _ index: Int, size: Int = 32) -> RGBImage {
        var rng = SeededRandom(seed: 11, "spectral", String(cls), String(index))
        let factor = [1, 2, 4][cls]
        let base = (0..<(size / factor) * (size / factor)).map { _ in UInt8(rng.nextInt(below: 256)) }
        var px = [UInt8](repeating: 0, count: size * size * 3)
        for y in 0..<size { for x in 0..<size {
            let v = Int(base[(y / factor) * (size / factor) + x / factor]) + rng.nextInt(below: 9) - 4
            for c in 0..<3 { px[(y * size + x) * 3 + c] = UInt8(clamping: v) }
        } }
        return RGBImage(width: size, height: size, pixels: px)
    }

    @Test func separatesSyntheticUpsamplers() {
        var train: [RGBImage] = [], labels: [Int] = []
        for c in 0..<3 { for i in 0..<15 { train.append(Self.synthetic(c, i)); labels.append(c) } }
        var clf = SpectralClassifier()
        clf.fit(images: train, labels: labels, classCount: 3)
        var correct = 0
        for c in 0..<3 { for i in 100..<110 where clf.predict(Self.synthetic(c, i)).label == c { correct += 1 } }
        #expect(correct >= 29, "\(correct) of 30")
    }

    @Test func logisticRegressionIsDeterministicAndDescends() {
        var rng = SeededRandom(seed: 5, "blobs")
        var xs: [[Double]] = [], ys: [Int] = []
        for i in 0..<90 {
            let c = i % 3
            xs.append([Double(c) * 3 + rng.nextDouble(), Double(c % 2) * 2 + rng.nextDouble(), rng.nextDouble()])
            ys.append(c)
        }
        var short = LogisticRegression(iterations: 5), long = LogisticRegression(iterations: 500)
        short.fit(features: xs, labels: ys, classCount: 3)
        long.fit(features: xs, labels: ys, classCount: 3)
        #expect(long.objective(features: xs, labels: ys) < short.objective(features: xs, labels: ys))
        #expect(long.objective(features: xs, labels: ys) < 0.2)
        let predicted = long.probabilities(xs).map(argmax)
        #expect(predicted == ys)
        let threads = BLAS.threads
        BLAS.setThreads(1)
        var again = LogisticRegression(iterations: 500)
        again.fit(features: xs, labels: ys, classCount: 3)
        BLAS.setThreads(threads)
        #expect(again.weights == long.weights)
    }
}
