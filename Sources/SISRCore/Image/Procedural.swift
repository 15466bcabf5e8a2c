/// Deterministic, photo-like test images: a dead-leaves model (occluding discs with power-law radii),
/// each disc filled with a colour gradient and optional stripes, then a small binomial blur (soft,
/// anti-aliased edges as in a photo) and mild noise.
///
/// Byte-identical for the same (seed, index, size) on every machine: positions, colours and noise
/// are integers from ``SeededRandom``; radii use only IEEE-754 `+ - * / sqrt`, which are correctly
/// rounded everywhere; everything after that is integer arithmetic.
public enum Procedural {
    /// Image `index` of the procedural set for `seed`, `width` x `height` pixels.
    public static func image(seed: UInt64, index: Int, width: Int, height: Int) -> RGBImage {
        precondition(width > 0 && height > 0)
        var rng = SeededRandom(seed: seed, "procedural", String(index))
        let n = width * height
        var px = [Int32](repeating: 0, count: n * 3)
        let bg = (0..<3).map { _ in Int32(rng.nextInt(below: 256)) }
        px.withUnsafeMutableBufferPointer { p in
            for i in 0..<n { for c in 0..<3 { p[i * 3 + c] = bg[c] } }
            let rMin = 1.5, rMax = Double(max(width, height)) / 2 + 3
            let a = 1 / (rMin * rMin), b = 1 / (rMax * rMax)
            for _ in 0..<max(16, n / 12) {
                // Density ~ r^-3 on [rMin, rMax]: r = 1 / sqrt(1/rMin^2 - u (1/rMin^2 - 1/rMax^2)).
                let u = rng.nextDouble()
                let r = 1 / (a - u * (a - b)).squareRoot()
                let disc = Disc(radius: r, width: width, height: height, rng: &rng)
                disc.paint(p, width: width, height: height)
            }
        }
        blur121(&px, width: width, height: height)
        var out = [UInt8](repeating: 0, count: n * 3)
        out.withUnsafeMutableBufferPointer { o in
            px.withUnsafeBufferPointer { p in
                for i in 0..<(n * 3) { o[i] = UInt8(min(255, max(0, p[i] + Int32(noise7(&rng)) - 3))) }
            }
        }
        return RGBImage(width: width, height: height, pixels: out)
    }

    /// `rng.nextInt(below: 7)` with the divisor known at compile time (same draws, same values).
    @inline(__always)
    static func noise7(_ rng: inout SeededRandom) -> Int {
        let threshold = (0 &- UInt64(7)) % 7
        while true {
            let x = rng.next()
            if x >= threshold { return Int(x % 7) }
        }
    }

    /// One occluding disc: its random parameters, drawn in a fixed order.
    struct Disc {
        let rad: Int, r2: Int, cx: Int, cy: Int
        let base: (Int, Int, Int), gx: (Int, Int, Int), gy: (Int, Int, Int)
        let striped: Bool, period: Int, sdx: Int, sdy: Int, amp: Int

        init(radius r: Double, width: Int, height: Int, rng: inout SeededRandom) {
            rad = Int(r)
            r2 = Int((r * r).rounded(.down))
            cx = rng.nextInt(below: width + 2 * rad) - rad
            cy = rng.nextInt(below: height + 2 * rad) - rad
            base = (rng.nextInt(below: 256), rng.nextInt(below: 256), rng.nextInt(below: 256))
            gx = (rng.nextInt(below: 9) - 4, rng.nextInt(below: 9) - 4, rng.nextInt(below: 9) - 4)  // per 8 px
            gy = (rng.nextInt(below: 9) - 4, rng.nextInt(below: 9) - 4, rng.nextInt(below: 9) - 4)
            striped = rng.nextInt(below: 4) == 0
            period = 2 + rng.nextInt(below: 10)
            sdx = rng.nextInt(below: 3) - 1
            sdy = rng.nextInt(below: 2) == 0 ? 1 : -1
            amp = rng.nextInt(below: 48)
        }

        /// Fills the pixels with dx^2 + dy^2 <= r2 (row by row: the span's half-width is the integer
        /// square root of r2 - dy^2), clamped to 0...255.
        func paint(_ p: UnsafeMutableBufferPointer<Int32>, width: Int, height: Int) {
            let y0 = max(0, cy - rad), y1 = min(height - 1, cy + rad)
            if y0 > y1 || max(0, cx - rad) > min(width - 1, cx + rad) { return }
            let twoP = 2 * period
            for y in y0...y1 {
                let dy = y - cy
                let half = Disc.isqrt(r2 - dy * dy)
                let xa = max(0, cx - half), xb = min(width - 1, cx + half)
                if xa > xb { continue }
                // Stripe phase ((dx sdx + dy sdy) mod 2 period), stepped by sdx along the row.
                var t = ((((xa - cx) * sdx + dy * sdy) % twoP) + twoP) % twoP
                var o = (y * width + xa) * 3
                for x in xa...xb {
                    let dx = x - cx
                    var stripe = 0
                    if striped { stripe = (t < period ? t : twoP - t) * amp / period - amp / 2 }
                    p[o] = Int32(min(255, max(0, base.0 + (gx.0 * dx + gy.0 * dy) / 8 + stripe)))
                    p[o + 1] = Int32(min(255, max(0, base.1 + (gx.1 * dx + gy.1 * dy) / 8 + stripe)))
                    p[o + 2] = Int32(min(255, max(0, base.2 + (gx.2 * dx + gy.2 * dy) / 8 + stripe)))
                    o += 3
                    t += sdx
                    if t >= twoP { t -= twoP } else if t < 0 { t += twoP }
                }
            }
        }

        /// Largest w >= 0 with w * w <= v (v >= 0).
        static func isqrt(_ v: Int) -> Int {
            var w = Int(Double(v).squareRoot())
            while w * w > v { w -= 1 }
            while (w + 1) * (w + 1) <= v { w += 1 }
            return w
        }
    }

    /// Separable [1 2 1]/4 blur with edge replication, rounded half up, in integers (values are
    /// 0...255, so `(s + 2) / 4` is `(s + 2) >> 2`).
    static func blur121(_ px: inout [Int32], width: Int, height: Int) {
        var tmp = px
        let stride = width * 3
        px.withUnsafeMutableBufferPointer { p in
            tmp.withUnsafeMutableBufferPointer { t in
                for y in 0..<height {
                    let row = y * stride
                    for x in 0..<width {
                        let l = row + max(0, x - 1) * 3, m = row + x * 3, r = row + min(width - 1, x + 1) * 3
                        for c in 0..<3 { t[m + c] = (p[l + c] + 2 * p[m + c] + p[r + c] + 2) >> 2 }
                    }
                }
                for y in 0..<height {
                    let u = max(0, y - 1) * stride, m = y * stride, d = min(height - 1, y + 1) * stride
                    for i in 0..<stride { p[m + i] = (t[u + i] + 2 * t[m + i] + t[d + i] + 2) >> 2 }
                }
            }
        }
    }
}
