/// Pillow's 8-bit `Image.resize((width, height), Image.BICUBIC)`, reproduced exactly (libImaging
/// `Resample.c`): cubic with a = -0.5, support 2 scaled by the downscale factor; per output pixel the
/// taps `[int(center - support + 0.5), int(center + support + 0.5))` clipped to the image, weights
/// normalised to sum 1 and turned into 22-bit fixed point (rounded half away from zero); a horizontal
/// pass into 8 bits (accumulator starting at 2^21, `>> 22`, clipped to 0...255), then a vertical pass
/// the same way. Integer arithmetic after the (exactly reproducible) double weights, so the bytes are
/// the same on every machine.
public enum PillowResize {
    /// `image.resize((width, height), Image.BICUBIC)` of an RGB8 image.
    public static func bicubic(_ image: RGBImage, width ow: Int, height oh: Int) -> RGBImage {
        precondition(ow > 0 && oh > 0 && image.width > 0 && image.height > 0, "PillowResize: empty size")
        let w = image.width, h = image.height
        let cols = PillowBicubicTaps(inSize: w, outSize: ow), rows = PillowBicubicTaps(inSize: h, outSize: oh)
        var tmp = [UInt8](repeating: 0, count: h * ow * 3)
        var out = [UInt8](repeating: 0, count: oh * ow * 3)
        image.pixels.withUnsafeBufferPointer { src in
            for y in 0..<h {
                for x in 0..<ow {
                    for c in 0..<3 { tmp[(y * ow + x) * 3 + c] = cols.apply(x) { src[(y * w + $0) * 3 + c] } }
                }
            }
        }
        tmp.withUnsafeBufferPointer { t in
            for y in 0..<oh {
                for x in 0..<ow {
                    for c in 0..<3 { out[(y * ow + x) * 3 + c] = rows.apply(y) { t[($0 * ow + x) * 3 + c] } }
                }
            }
        }
        return RGBImage(width: ow, height: oh, pixels: out)
    }
}

/// Pillow's precomputed bicubic taps of one axis, in 22-bit fixed point (see ``PillowResize``).
public struct PillowBicubicTaps: Sendable {
    static let precisionBits = 22
    let bounds: [(start: Int, count: Int)]
    let weights: [[Int32]]

    public init(inSize: Int, outSize: Int) {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = 2.0 * filterScale
        var bounds: [(Int, Int)] = [], weights: [[Int32]] = []
        for o in 0..<outSize {
            let center = (Double(o) + 0.5) * scale
            let lo = max(Int(center - support + 0.5), 0)
            let hi = min(Int(center + support + 0.5), inSize)
            var k = (lo..<hi).map { PillowBicubicTaps.cubic((Double($0) - center + 0.5) / filterScale) }
            let sum = k.reduce(0, +)
            if sum != 0 { k = k.map { $0 / sum } }
            let one = Double(1 << Self.precisionBits)
            weights.append(k.map { Int32($0 < 0 ? -0.5 + $0 * one : 0.5 + $0 * one) })
            bounds.append((lo, hi - lo))
        }
        self.bounds = bounds
        self.weights = weights
    }

    /// Pillow's `bicubic_filter` (a = -0.5).
    static func cubic(_ t: Double) -> Double {
        let a = -0.5, x = abs(t)
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0
    }

    /// The 8-bit output `o` from the input samples `sample(i)`.
    public func apply(_ o: Int, _ sample: (Int) -> UInt8) -> UInt8 {
        var acc = Int32(1) << (Self.precisionBits - 1)
        let (start, count) = bounds[o], k = weights[o]
        for i in 0..<count { acc &+= Int32(sample(start + i)) &* k[i] }
        return UInt8(max(0, min(255, acc >> Int32(Self.precisionBits))))
    }
}
