import Foundation
import SISRCore

/// Log-magnitude spectrum features of an image crop, for the spectral classifier.
///
/// 1. Grey: Pillow's integer luma (as `Acutance.grey`), minus its mean.
/// 2. `L(ky,kx) = log(1 + |F(ky,kx)|)` of the 2-D DFT (`DFT2D`), frequencies `f = k/N` folded to
///    `[-1/2, 1/2)` cycles per pixel.
/// 3. **Azimuthal average**: the mean of `L` over `radialBins` rings of equal width on
///    `r = sqrt(fy² + fx²)` in `(0, 1/2]` (the DC term and the corners beyond 1/2 are left out).
/// 4. **Periodic peaks**: at the 8 non-DC frequencies `(fy, fx)` with `fy ∈ {0, 1/4, 1/2}`,
///    `fx ∈ {−1/4, 0, 1/4, 1/2}` up to conjugate symmetry, where ×2 and ×4 upsamplers leave peaks
///    (index `floor(f N + 1/2) mod N`): the value of `L` there, and its prominence (`L` minus the mean of `L`
///    over the 8 neighbouring frequencies).
///
/// The vector is `[ring_0 ... ring_{B-1}, peak_0 ... peak_7, prominence_0 ... prominence_7]`.
public struct SpectralFeatures: Sendable {
    public var radialBins: Int

    /// The periodic frequencies `(fy, fx)` sampled, in order.
    public static let peaks: [(Double, Double)] = [
        (0, 0.25), (0, 0.5), (0.25, 0), (0.5, 0), (0.25, 0.25), (0.25, -0.25), (0.25, 0.5), (0.5, 0.5),
    ]

    public init(radialBins: Int = 32) {
        precondition(radialBins >= 1)
        self.radialBins = radialBins
    }

    /// Number of features.
    public var count: Int { radialBins + 2 * Self.peaks.count }

    /// `L = log(1 + |F|)` of the mean-removed grey image, row-major `height x width`.
    public static func logMagnitude(_ image: RGBImage) -> [Double] {
        let grey = Acutance.grey(image).map(Double.init)
        let mean = grey.reduce(0, +) / Double(max(grey.count, 1))
        let (re, im) = DFT2D.transform(grey.map { $0 - mean }, width: image.width, height: image.height)
        return zip(re, im).map { Foundation.log1p(($0 * $0 + $1 * $1).squareRoot()) }
    }

    /// The feature vector of an image (any size at least 1x1).
    public func features(_ image: RGBImage) -> [Double] {
        let w = image.width, h = image.height
        let l = Self.logMagnitude(image)
        var sums = [Double](repeating: 0, count: radialBins), counts = sums
        for ky in 0..<h {
            let fy = Self.fold(ky, h)
            for kx in 0..<w where ky != 0 || kx != 0 {
                let r = (fy * fy + Self.fold(kx, w) * Self.fold(kx, w)).squareRoot()
                guard r <= 0.5 else { continue }
                let bin = min(Int(r / 0.5 * Double(radialBins)), radialBins - 1)
                sums[bin] += l[ky * w + kx]
                counts[bin] += 1
            }
        }
        var out = zip(sums, counts).map { $1 > 0 ? $0 / $1 : 0 }
        var prominence: [Double] = []
        for (fy, fx) in Self.peaks {
            let ky = Self.index(fy, h), kx = Self.index(fx, w)
            let v = l[ky * w + kx]
            var nsum = 0.0
            for dy in -1...1 { for dx in -1...1 where dy != 0 || dx != 0 {
                nsum += l[((ky + dy + h) % h) * w + (kx + dx + w) % w]
            } }
            out.append(v)
            prominence.append(v - nsum / 8)
        }
        return out + prominence
    }

    /// Frequency of DFT index `k` of `n` in cycles per sample, folded to `[-1/2, 1/2)`.
    static func fold(_ k: Int, _ n: Int) -> Double {
        2 * k < n ? Double(k) / Double(n) : Double(k - n) / Double(n)
    }

    /// DFT index nearest frequency `f` for length `n`: `floor(f n + 1/2) mod n` (halves round up).
    static func index(_ f: Double, _ n: Int) -> Int {
        let k = Int((f * Double(n) + 0.5).rounded(.down))
        return ((k % n) + n) % n
    }
}
