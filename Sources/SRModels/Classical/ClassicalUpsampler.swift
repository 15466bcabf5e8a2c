import Foundation
import SISRCore
import SISREngine

/// Parameter-free upsamplers: the "models" of the built-in demo zoo that need no weights.
///
/// Exact definitions (so any reimplementation gives the same bytes), for an integer factor `s`:
/// - `nearest`: `out[y][x] = in[y / s][x / s]` (integer division).
/// - `bilinear`, `lanczos3`: separable, half-pixel centres: output index `o` samples the input at
///   `u = (o + 0.5) / s - 0.5`. Taps `i` run over `floor(u) - r + 1 ... floor(u) + r` (r = 1 for
///   bilinear, 3 for Lanczos-3), weights `k(u - i)` normalised to sum 1, indices clamped to the edge.
///   `k` is the triangle `max(0, 1 - |x|)` or `sinc(x) sinc(x/3)` for `|x| < 3`. Values stay in
///   0...255 units in float64 (bilinear weights are dyadic, so its sums are exact and ties are real
///   ties); the height pass runs first, then the width pass, with no rounding in between; the result
///   is clamped to [0, 255] and rounded half away from zero. Bilinear equals PyTorch's
///   `interpolate(mode="bilinear", align_corners=False)` before rounding.
/// - `bicubic`: MATLAB `imresize` bicubic (Keys a = -0.5, symmetric mirroring), the same code that
///   makes LR inputs (``MatlabResize``), used to enlarge.
public enum ClassicalUpsampler: String, CaseIterable, Sendable, Codable {
    case nearest
    case bilinear
    case bicubic
    case lanczos3

    /// Upscales `image` by the integer factor `scale` (output `scale*W x scale*H`).
    public func upscale(_ image: RGBImage, scale: Int) -> RGBImage {
        precondition(scale >= 1, "scale must be positive")
        switch self {
        case .nearest: return Self.nearest(image, scale: scale)
        case .bicubic: return MatlabResize.resize(image, scale: Double(scale))
        case .bilinear: return Self.separable(image, scale: scale, radius: 1, kernel: Self.triangle)
        case .lanczos3: return Self.separable(image, scale: scale, radius: 3, kernel: Self.lanczos3Kernel)
        }
    }

    /// Clamp to [0, 255], round half away from zero.
    @inline(__always) static func quantize255(_ v: Double) -> UInt8 {
        if !(v > 0) { return 0 }
        if v >= 255 { return 255 }
        return UInt8(v.rounded(.toNearestOrAwayFromZero))
    }

    static func nearest(_ image: RGBImage, scale s: Int) -> RGBImage {
        let ow = image.width * s, oh = image.height * s
        var px = [UInt8](repeating: 0, count: ow * oh * 3)
        for y in 0..<oh {
            let src = (y / s) * image.width
            for x in 0..<ow {
                let i = (src + x / s) * 3, o = (y * ow + x) * 3
                px[o] = image.pixels[i]; px[o + 1] = image.pixels[i + 1]; px[o + 2] = image.pixels[i + 2]
            }
        }
        return RGBImage(width: ow, height: oh, pixels: px)
    }

    static func triangle(_ x: Double) -> Double { max(0, 1 - abs(x)) }

    static func lanczos3Kernel(_ x: Double) -> Double {
        let ax = abs(x)
        if ax < 1e-12 { return 1 }
        if ax >= 3 { return 0 }
        let px = Double.pi * x
        return 3 * DMath.sin(px) * DMath.sin(px / 3) / (px * px)
    }

    /// Per output index: clamped input indices and normalised weights (`taps` = 2 * radius each).
    static func axisTaps(inLength n: Int, scale s: Int, radius r: Int, kernel: (Double) -> Double)
        -> (index: [Int], weight: [Double], taps: Int)
    {
        let taps = 2 * r, out = n * s
        var index = [Int](repeating: 0, count: out * taps), weight = [Double](repeating: 0, count: out * taps)
        for o in 0..<out {
            let u = (Double(o) + 0.5) / Double(s) - 0.5
            let base = Int(u.rounded(.down)) - r + 1
            var sum = 0.0
            for t in 0..<taps {
                let w = kernel(u - Double(base + t))
                weight[o * taps + t] = w
                index[o * taps + t] = min(max(base + t, 0), n - 1)
                sum += w
            }
            for t in 0..<taps { weight[o * taps + t] /= sum }
        }
        return (index, weight, taps)
    }

    static func separable(_ image: RGBImage, scale s: Int, radius: Int, kernel: (Double) -> Double) -> RGBImage {
        let w = image.width, h = image.height, ow = w * s, oh = h * s
        let fh = axisTaps(inLength: h, scale: s, radius: radius, kernel: kernel)
        let fw = axisTaps(inLength: w, scale: s, radius: radius, kernel: kernel)
        // Height pass on interleaved RGB rows: mid is [oh][w][3].
        var mid = [Double](repeating: 0, count: oh * w * 3)
        for y in 0..<oh {
            let dst = y * w * 3
            for t in 0..<fh.taps {
                let wt = fh.weight[y * fh.taps + t]
                if wt == 0 { continue }
                let src = fh.index[y * fh.taps + t] * w * 3
                for k in 0..<(w * 3) { mid[dst + k] += wt * Double(image.pixels[src + k]) }
            }
        }
        var px = [UInt8](repeating: 0, count: ow * oh * 3)
        for y in 0..<oh {
            let row = y * w * 3, dst = y * ow * 3
            for x in 0..<ow {
                var acc = (0.0, 0.0, 0.0)
                for t in 0..<fw.taps {
                    let wt = fw.weight[x * fw.taps + t]
                    let i = row + fw.index[x * fw.taps + t] * 3
                    acc.0 += wt * mid[i]; acc.1 += wt * mid[i + 1]; acc.2 += wt * mid[i + 2]
                }
                px[dst + x * 3] = Self.quantize255(acc.0)
                px[dst + x * 3 + 1] = Self.quantize255(acc.1)
                px[dst + x * 3 + 2] = Self.quantize255(acc.2)
            }
        }
        return RGBImage(width: ow, height: oh, pixels: px)
    }
}
