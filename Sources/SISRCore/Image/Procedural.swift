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
        for i in 0..<n { for c in 0..<3 { px[i * 3 + c] = bg[c] } }

        let rMin = 1.5, rMax = Double(max(width, height)) / 2 + 3
        let a = 1 / (rMin * rMin), b = 1 / (rMax * rMax)
        let discs = max(16, n / 12)
        for _ in 0..<discs {
            // Density ~ r^-3 on [rMin, rMax]: r = 1 / sqrt(1/rMin^2 - u (1/rMin^2 - 1/rMax^2)).
            let u = rng.nextDouble()
            let r = 1 / (a - u * (a - b)).squareRoot()
            let rad = Int(r)
            let r2 = Int((r * r).rounded(.down))
            let cx = rng.nextInt(below: width + 2 * rad) - rad
            let cy = rng.nextInt(below: height + 2 * rad) - rad
            let base = (0..<3).map { _ in rng.nextInt(below: 256) }
            let gx = (0..<3).map { _ in rng.nextInt(below: 9) - 4 }  // colour change per 8 px
            let gy = (0..<3).map { _ in rng.nextInt(below: 9) - 4 }
            let striped = rng.nextInt(below: 4) == 0
            let period = 2 + rng.nextInt(below: 10)
            let (sdx, sdy) = (rng.nextInt(below: 3) - 1, rng.nextInt(below: 2) == 0 ? 1 : -1)
            let amp = rng.nextInt(below: 48)
            let y0 = max(0, cy - rad), y1 = min(height - 1, cy + rad)
            let x0 = max(0, cx - rad), x1 = min(width - 1, cx + rad)
            if y0 > y1 || x0 > x1 { continue }
            for y in y0...y1 {
                let dy = y - cy
                for x in x0...x1 {
                    let dx = x - cx
                    if dx * dx + dy * dy > r2 { continue }
                    var stripe = 0
                    if striped {
                        let t = ((dx * sdx + dy * sdy) % (2 * period) + 2 * period) % (2 * period)
                        stripe = (t < period ? t : 2 * period - t) * amp / period - amp / 2
                    }
                    let o = (y * width + x) * 3
                    for c in 0..<3 {
                        let v = base[c] + (gx[c] * dx + gy[c] * dy) / 8 + stripe
                        px[o + c] = Int32(min(255, max(0, v)))
                    }
                }
            }
        }
        blur121(&px, width: width, height: height)
        var out = [UInt8](repeating: 0, count: n * 3)
        for i in 0..<(n * 3) {
            let noise = Int32(rng.nextInt(below: 7)) - 3
            out[i] = UInt8(min(255, max(0, px[i] + noise)))
        }
        return RGBImage(width: width, height: height, pixels: out)
    }

    /// Separable [1 2 1]/4 blur with edge replication, rounded half up, in integers.
    static func blur121(_ px: inout [Int32], width: Int, height: Int) {
        var tmp = px
        for y in 0..<height {
            for x in 0..<width {
                let l = max(0, x - 1), r = min(width - 1, x + 1)
                for c in 0..<3 {
                    let s = px[(y * width + l) * 3 + c] + 2 * px[(y * width + x) * 3 + c] + px[(y * width + r) * 3 + c]
                    tmp[(y * width + x) * 3 + c] = (s + 2) / 4
                }
            }
        }
        for y in 0..<height {
            let u = max(0, y - 1), d = min(height - 1, y + 1)
            for x in 0..<width {
                for c in 0..<3 {
                    let s = tmp[(u * width + x) * 3 + c] + 2 * tmp[(y * width + x) * 3 + c] + tmp[(d * width + x) * 3 + c]
                    px[(y * width + x) * 3 + c] = (s + 2) / 4
                }
            }
        }
    }
}
