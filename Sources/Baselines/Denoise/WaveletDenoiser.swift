/// The wavelet denoiser of camera-PRNU work (Lukáš, Fridrich, Goljan, "Digital camera identification
/// from sensor pattern noise", IEEE TIFS 2006), a fast alternative to BM3D for PRNU residuals.
///
/// Per channel:
/// 1. pad bottom and right by mirror reflection (edge sample repeated, NumPy's `symmetric`) to a
///    multiple of `2^levels`;
/// 2. `levels`-level orthogonal wavelet decomposition with the 8-tap Daubechies filter (PyWavelets'
///    `db4`, WaveLab's `Daubechies 8`), periodic extension (PyWavelets' `periodization` mode);
/// 3. in every detail subband, the local signal variance is estimated in square windows of sides
///    3, 5, 7 and 9 as `max(0, mean(c^2) - sigma^2)` (the mean over the window with zeros outside the
///    subband) and the smallest of the four is kept; each coefficient is scaled by
///    `var / (var + sigma^2)`; the approximation subband is kept as is;
/// 4. the inverse transform, cropped back to the original size.
public struct WaveletDenoiser: Denoiser {
    /// Noise standard deviation on the 0-255 scale.
    public var sigma: Double
    /// Decomposition levels (4 in the PRNU literature).
    public var levels: Int

    public init(sigma: Double = 5, levels: Int = 4) {
        precondition(sigma > 0 && levels >= 1, "WaveletDenoiser: sigma > 0 and levels >= 1")
        self.sigma = sigma
        self.levels = levels
    }

    public var name: String { "wavelet-db4(sigma=\(sigma), levels=\(levels))" }

    /// 8-tap Daubechies scaling filter (the reconstruction low-pass; the analysis filter is its reverse).
    static let db4: [Double] = [
        0.2303778133088965, 0.7148465705529157, 0.6308807679298589, -0.027983769416859854,
        -0.18703481171909309, 0.030841381835560764, 0.0328830116668852, -0.010597401785069032,
    ]

    public func denoise(_ image: PlanarImage) -> PlanarImage {
        let m = 1 << levels
        let (w, h) = (image.width, image.height)
        let pw = (w + m - 1) / m * m, ph = (h + m - 1) / m * m
        var out = image.data
        let plane = w * h
        var planes = [[Float]](repeating: [], count: image.channels)
        for c in 0..<image.channels {
            var x = [Double](repeating: 0, count: pw * ph)
            for y in 0..<ph {
                let sy = Self.mirror(y, h)
                for xx in 0..<pw { x[y * pw + xx] = Double(image.data[c * plane + sy * w + Self.mirror(xx, w)]) }
            }
            denoisePlane(&x, width: pw, height: ph)
            planes[c] = (0..<plane).map { Float(x[($0 / w) * pw + $0 % w]) }
        }
        for c in 0..<image.channels { for i in 0..<plane { out[c * plane + i] = planes[c][i] } }
        return PlanarImage(width: w, height: h, channels: image.channels, data: out)
    }

    /// Index into `0..<n` for a position past the end, reflecting with the edge sample repeated.
    static func mirror(_ i: Int, _ n: Int) -> Int {
        var i = i
        let period = 2 * n
        i %= period
        return i < n ? i : period - 1 - i
    }

    /// Decompose, shrink the detail subbands, reconstruct; in place on a `width x height` plane whose
    /// sides are multiples of `2^levels`.
    func denoisePlane(_ x: inout [Double], width: Int, height: Int) {
        let s2 = sigma * sigma
        var (w, h) = (width, height)
        // The transform is stored in place: after level l the top-left (w/2 x h/2) holds the approximation.
        for _ in 0..<levels {
            Self.forward2D(&x, stride: width, w: w, h: h)
            w /= 2; h /= 2
        }
        // Shrink each detail subband of each level.
        var (lw, lh) = (w, h)
        for _ in 0..<levels {
            for (ox, oy) in [(lw, 0), (0, lh), (lw, lh)] {
                Self.wienerShrink(&x, stride: width, ox: ox, oy: oy, w: lw, h: lh, noiseVariance: s2)
            }
            lw *= 2; lh *= 2
        }
        for _ in 0..<levels {
            w *= 2; h *= 2
            Self.inverse2D(&x, stride: width, w: w, h: h)
        }
    }

    /// Local Wiener shrinkage of the `w x h` subband at `(ox, oy)`.
    static func wienerShrink(_ x: inout [Double], stride: Int, ox: Int, oy: Int, w: Int, h: Int, noiseVariance s2: Double) {
        // Integral image of squared coefficients, zero outside the subband.
        var integral = [Double](repeating: 0, count: (w + 1) * (h + 1))
        for y in 0..<h {
            var row = 0.0
            for xx in 0..<w {
                let v = x[(oy + y) * stride + ox + xx]
                row += v * v
                integral[(y + 1) * (w + 1) + xx + 1] = integral[y * (w + 1) + xx + 1] + row
            }
        }
        func boxSum(_ y0: Int, _ x0: Int, _ y1: Int, _ x1: Int) -> Double {  // [y0, y1) x [x0, x1), clipped
            let (a, b, c, d) = (max(0, y0), max(0, x0), min(h, y1), min(w, x1))
            if a >= c || b >= d { return 0 }
            return integral[c * (w + 1) + d] - integral[a * (w + 1) + d] - integral[c * (w + 1) + b] + integral[a * (w + 1) + b]
        }
        for y in 0..<h {
            for xx in 0..<w {
                var best = Double.infinity
                for win in [3, 5, 7, 9] {
                    let r = win / 2
                    let mean = boxSum(y - r, xx - r, y + r + 1, xx + r + 1) / Double(win * win)
                    best = min(best, max(0, mean - s2))
                }
                x[(oy + y) * stride + ox + xx] *= best / (best + s2)
            }
        }
    }

    /// One analysis level along rows then columns of the top-left `w x h` region.
    static func forward2D(_ x: inout [Double], stride: Int, w: Int, h: Int) {
        lines(&x, stride: stride, w: w, h: h, rowsFirst: true, analyze)
    }

    /// Inverse of ``forward2D(_:stride:w:h:)`` (columns, then rows).
    static func inverse2D(_ x: inout [Double], stride: Int, w: Int, h: Int) {
        lines(&x, stride: stride, w: w, h: h, rowsFirst: false, synthesize)
    }

    /// Applies the 1-D `op(input, n, &output)` to every row and every column of the `w x h` region.
    static func lines(_ x: inout [Double], stride: Int, w: Int, h: Int, rowsFirst: Bool,
                      _ op: ([Double], Int, inout [Double]) -> Void) {
        var buf = [Double](repeating: 0, count: max(w, h)), tmp = buf
        for pass in rowsFirst ? [0, 1] : [1, 0] {
            let (count, n) = pass == 0 ? (h, w) : (w, h)
            for line in 0..<count {
                let idx = { (i: Int) in pass == 0 ? line * stride + i : i * stride + line }
                for i in 0..<n { buf[i] = x[idx(i)] }
                op(buf, n, &tmp)
                for i in 0..<n { x[idx(i)] = tmp[i] }
            }
        }
    }

    /// Periodized analysis of `n` (even) samples: approximation to `out[0..<n/2]`, detail to
    /// `out[n/2..<n]`. With analysis filters `lo[k] = db4[7-k]`, `hi[k] = (-1)^(k+1) db4[k]`:
    /// `a[i] = sum_k lo[k] x[(2i + 4 - k) mod n]` (PyWavelets' alignment).
    static func analyze(_ x: [Double], _ n: Int, _ out: inout [Double]) {
        let f = db4, l = f.count, half = n / 2
        for i in 0..<half {
            var a = 0.0, d = 0.0
            for k in 0..<l {
                let v = x[((2 * i + l / 2 - k) % n + n) % n]
                a += f[l - 1 - k] * v
                d += (k % 2 == 0 ? -1.0 : 1.0) * f[k] * v
            }
            out[i] = a
            out[half + i] = d
        }
    }

    /// Transpose of ``analyze(_:_:_:)`` (its inverse, the filters being orthogonal).
    static func synthesize(_ c: [Double], _ n: Int, _ out: inout [Double]) {
        let f = db4, l = f.count, half = n / 2
        for i in 0..<n { out[i] = 0 }
        for i in 0..<half {
            let a = c[i], d = c[half + i]
            for k in 0..<l {
                let m = ((2 * i + l / 2 - k) % n + n) % n
                out[m] += f[l - 1 - k] * a + (k % 2 == 0 ? -1.0 : 1.0) * f[k] * d
            }
        }
    }
}
