/// Separable Gaussian blur in float64, as `scipy.ndimage.gaussian_filter(mode="reflect", truncate=4)`
/// (which `skimage.transform.resize(anti_aliasing=True)` uses): radius `Int(4 * sigma + 0.5)`, weights
/// `exp(-x^2 / (2 sigma^2))` normalised to sum 1, half-sample symmetric borders (`d c b a | a b c d`).
///
/// The weights are computed with ``GaussianBlur/exp(_:)``, a fixed sequence of IEEE operations, never
/// the platform's libm, so the output is the same on every machine.
public enum GaussianBlur {
    /// The normalised 1-D kernel for `sigma` (`[1]` when sigma is 0).
    public static func kernel(sigma: Double) -> [Double] {
        precondition(sigma >= 0 && sigma.isFinite)
        guard sigma > 0 else { return [1] }
        let radius = Int(4 * sigma + 0.5)
        let w = (-radius...radius).map { x -> Double in exp(-Double(x * x) / (2 * sigma * sigma)) }
        var sum = 0.0
        for v in w { sum += v }
        return w.map { $0 / sum }
    }

    /// Blurs planar data `[channels, height, width]` along y, then x.
    public static func blur(_ planes: [Double], channels: Int, width: Int, height: Int, sigma: Double) -> [Double] {
        let k = kernel(sigma: sigma)
        guard k.count > 1 else { return planes }
        let r = k.count / 2
        var mid = [Double](repeating: 0, count: planes.count)
        for c in 0..<channels {
            for y in 0..<height {
                let dst = (c * height + y) * width
                for t in 0..<k.count {
                    let src = (c * height + reflect(y + t - r, height)) * width
                    for x in 0..<width { mid[dst + x] += k[t] * planes[src + x] }
                }
            }
        }
        var out = [Double](repeating: 0, count: planes.count)
        var cols = [Int](repeating: 0, count: width * k.count)
        for x in 0..<width {
            for t in 0..<k.count { cols[x * k.count + t] = reflect(x + t - r, width) }
        }
        for row in 0..<(channels * height) {
            let base = row * width
            for x in 0..<width {
                var acc = 0.0
                for t in 0..<k.count { acc += k[t] * mid[base + cols[x * k.count + t]] }
                out[base + x] = acc
            }
        }
        return out
    }

    /// Half-sample symmetric index (-1 -> 0, n -> n-1), repeated for kernels wider than the image.
    static func reflect(_ i: Int, _ n: Int) -> Int {
        var i = i
        while i < 0 || i >= n {
            if i < 0 { i = -i - 1 }
            if i >= n { i = 2 * n - 1 - i }
        }
        return i
    }

    /// e^x for x <= 0 in float64 from basic operations only: x = k ln2 + r (Cody-Waite, |r| <= ln2/2),
    /// a degree-13 Taylor polynomial of e^r in Horner form (relative error < 1e-16 on that range), then
    /// 2^k by exact halving. Deterministic on every IEEE machine; within a few ulp of libm.
    public static func exp(_ x: Double) -> Double {
        if x < -745 { return 0 }
        let ln2Hi = 6.93147180369123816490e-01, ln2Lo = 1.90821492927058770002e-10
        let k = (x / 0.6931471805599453).rounded(.toNearestOrEven)
        let r = (x - k * ln2Hi) - k * ln2Lo
        var p = 1 / factorial(13)
        for n in stride(from: 12, through: 0, by: -1) { p = p * r + 1 / factorial(n) }
        var result = p
        var e = Int(k)
        while e < 0 {
            let step = max(e, -1000)
            result *= Double(sign: .plus, exponent: step, significand: 1)
            e -= step
        }
        while e > 0 {
            let step = min(e, 1000)
            result *= Double(sign: .plus, exponent: step, significand: 1)
            e -= step
        }
        return result
    }

    private static func factorial(_ n: Int) -> Double {
        var f = 1.0
        if n > 1 { for i in 2...n { f *= Double(i) } }
        return f
    }
}
