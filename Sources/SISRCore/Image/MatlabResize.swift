import Foundation

/// MATLAB-compatible bicubic resize, as BasicSR's `imresize` (`basicsr/utils/matlab_functions.py`)
/// computes it: Keys cubic kernel with a = -0.5, antialiasing (kernel widened by 1/scale) when
/// downscaling, half-sample symmetric borders, the height pass then the width pass, with no rounding
/// between passes. Computed in float64.
public enum MatlabResize {
    /// Per-output filter taps for one axis: output `j` reads input rows `start[j] ..< start[j] + taps`
    /// (0-based, before mirroring) with `weights[j * taps ..< (j + 1) * taps]`.
    public struct AxisFilter: Sendable {
        public let outLength: Int
        public let taps: Int
        public let start: [Int]
        public let weights: [Double]
    }

    static func cubic(_ x: Double) -> Double {
        let a = abs(x), a2 = a * a, a3 = a2 * a
        if a <= 1 { return 1.5 * a3 - 2.5 * a2 + 1 }
        if a <= 2 { return -0.5 * a3 + 2.5 * a2 - 4 * a + 2 }
        return 0
    }

    /// The taps BasicSR's `calculate_weights_indices` produces, including its rule of dropping a
    /// leading or trailing column of weights that is zero for some output.
    public static func axisFilter(inLength: Int, outLength: Int, scale: Double, antialiasing: Bool = true) -> AxisFilter {
        var kernelWidth = 4.0
        let aa = scale < 1 && antialiasing
        if aa { kernelWidth /= scale }
        let p = Int(kernelWidth.rounded(.up)) + 2
        var starts = [Int](repeating: 0, count: outLength)
        var w = [Double](repeating: 0, count: outLength * p)
        for j in 0..<outLength {
            let u = Double(j + 1) / scale + 0.5 * (1 - 1 / scale)
            let left = (u - kernelWidth / 2).rounded(.down)
            starts[j] = Int(left) - 1  // 0-based
            var sum = 0.0
            for t in 0..<p {
                let d = u - (left + Double(t))
                let v = aa ? scale * cubic(d * scale) : cubic(d)
                w[j * p + t] = v
                sum += v
            }
            for t in 0..<p { w[j * p + t] /= sum }
        }
        var first = 0, last = p  // kept columns [first, last)
        if (0..<outLength).contains(where: { w[$0 * p] == 0 }) { first = 1 }
        if (0..<outLength).contains(where: { w[$0 * p + p - 1] == 0 }) { last = p - 1 }
        let taps = last - first
        var kept = [Double](repeating: 0, count: outLength * taps)
        for j in 0..<outLength {
            for t in 0..<taps { kept[j * taps + t] = w[j * p + first + t] }
            starts[j] += first
        }
        return AxisFilter(outLength: outLength, taps: taps, start: starts, weights: kept)
    }

    /// Half-sample symmetric index: -1 -> 0, -2 -> 1, n -> n-1, n+1 -> n-2.
    @inline(__always) static func mirror(_ i: Int, _ n: Int) -> Int {
        var i = i
        while i < 0 || i >= n {
            if i < 0 { i = -i - 1 }
            if i >= n { i = 2 * n - 1 - i }
        }
        return i
    }

    /// Output size for an input length: `ceil(length * scale)`.
    public static func outputLength(_ length: Int, scale: Double) -> Int {
        Int((Double(length) * scale).rounded(.up))
    }

    /// Resizes planar float64 data `[channels, height, width]` by `scale` on both axes.
    public static func resize(
        planes: [Double], channels: Int, width: Int, height: Int, scale: Double, antialiasing: Bool = true
    ) -> (data: [Double], width: Int, height: Int) {
        precondition(planes.count == channels * width * height && scale > 0)
        let oh = outputLength(height, scale: scale), ow = outputLength(width, scale: scale)
        let fh = axisFilter(inLength: height, outLength: oh, scale: scale, antialiasing: antialiasing)
        let fw = axisFilter(inLength: width, outLength: ow, scale: scale, antialiasing: antialiasing)
        return resize(planes: planes, channels: channels, width: width, height: height, rows: fh, columns: fw)
    }

    /// Resizes planar float64 data to an exact `outWidth x outHeight`, each axis with the scale
    /// out/in (MATLAB `imresize(I, [rows cols])`).
    public static func resize(
        planes: [Double], channels: Int, width: Int, height: Int, outWidth: Int, outHeight: Int,
        antialiasing: Bool = true
    ) -> (data: [Double], width: Int, height: Int) {
        precondition(planes.count == channels * width * height && outWidth > 0 && outHeight > 0)
        let fh = axisFilter(
            inLength: height, outLength: outHeight, scale: Double(outHeight) / Double(height), antialiasing: antialiasing)
        let fw = axisFilter(
            inLength: width, outLength: outWidth, scale: Double(outWidth) / Double(width), antialiasing: antialiasing)
        return resize(planes: planes, channels: channels, width: width, height: height, rows: fh, columns: fw)
    }

    /// The height pass with `fh`, then the width pass with `fw`.
    static func resize(
        planes: [Double], channels: Int, width: Int, height: Int, rows fh: AxisFilter, columns fw: AxisFilter
    ) -> (data: [Double], width: Int, height: Int) {
        let oh = fh.outLength, ow = fw.outLength
        // Height pass: [c, oh, width]
        var mid = [Double](repeating: 0, count: channels * oh * width)
        for c in 0..<channels {
            for j in 0..<oh {
                let dst = (c * oh + j) * width
                for t in 0..<fh.taps {
                    let wt = fh.weights[j * fh.taps + t]
                    let src = (c * height + mirror(fh.start[j] + t, height)) * width
                    for x in 0..<width { mid[dst + x] += wt * planes[src + x] }
                }
            }
        }
        // Width pass: [c, oh, ow]
        var out = [Double](repeating: 0, count: channels * oh * ow)
        var cols = [Int](repeating: 0, count: ow * fw.taps)
        for i in 0..<ow {
            for t in 0..<fw.taps { cols[i * fw.taps + t] = mirror(fw.start[i] + t, width) }
        }
        for row in 0..<(channels * oh) {
            let src = row * width, dst = row * ow
            for i in 0..<ow {
                var acc = 0.0
                for t in 0..<fw.taps { acc += fw.weights[i * fw.taps + t] * mid[src + cols[i * fw.taps + t]] }
                out[dst + i] = acc
            }
        }
        return (out, ow, oh)
    }

    /// Resizes an 8-bit image: x/255 to float64, resize, then clamp, x255 and round half away from zero.
    public static func resize(_ image: RGBImage, scale: Double, antialiasing: Bool = true) -> RGBImage {
        let n = image.width * image.height
        var planes = [Double](repeating: 0, count: 3 * n)
        for i in 0..<n {
            for c in 0..<3 { planes[c * n + i] = Double(image.pixels[i * 3 + c]) / 255 }
        }
        let r = resize(planes: planes, channels: 3, width: image.width, height: image.height,
                       scale: scale, antialiasing: antialiasing)
        let m = r.width * r.height
        var px = [UInt8](repeating: 0, count: 3 * m)
        for c in 0..<3 {
            for i in 0..<m { px[i * 3 + c] = quantizeUnit(r.data[c * m + i]) }
        }
        return RGBImage(width: r.width, height: r.height, pixels: px)
    }
}

/// The LR input exactly as the builder makes it: modcrop the HR to a multiple of `scale`, MATLAB
/// bicubic by 1/scale (antialiased), round half away from zero to uint8.
public func degrade(_ hr: RGBImage, scale: Int) -> RGBImage {
    precondition(scale >= 1)
    return MatlabResize.resize(hr.modcropped(to: scale), scale: 1 / Double(scale))
}
