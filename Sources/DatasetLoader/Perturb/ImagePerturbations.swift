import SISRCore
import SISREngine

/// The pixel operations of ``PerturbationSpec`` on RGB8 images (specification; `Scripts/make_perturbation_fixtures.py`
/// checks each against Pillow, OpenCV or NumPy):
///
/// - **jpeg** `quality`: ``JPEG/roundTrip(_:quality:)`` (libjpeg-turbo, 4:2:0, integer DCT; Pillow's
///   `save(quality=q)` bytes and `open().convert("RGB")` pixels).
/// - **blur** `kernel` k: OpenCV's `cv2.GaussianBlur(img, (k, k), 0)` for 8-bit images, which is exact
///   integer arithmetic: the separable kernel in 8-bit fixed point (``blurKernels``, OpenCV's bit-exact
///   tables: sigma `0.3 ((k - 1) / 2 - 1) + 0.8`), `BORDER_REFLECT_101`, rows then columns, output
///   `(sum + 2^15) >> 16`. k = 1 leaves the image unchanged.
/// - **noise** `variance` v: `z = seededNormals(rng, W * H * 3)` (Box-Muller with `DMath`), in pixel
///   order (row-major, R G B); `out = clip(round_half_even(p + sqrt(v) * z), 0, 255)`.
/// - **crop** `fraction` f: `cw = W - round_half_even(f W)`, `ch = H - round_half_even(f H)` (at least
///   1), `x0 = nextInt(below: W - cw + 1)`, `y0 = nextInt(below: H - ch + 1)`, then Pillow's
///   `img.crop((x0, y0, x0 + cw, y0 + ch)).resize((W, H), Image.BICUBIC)` (``PillowResize``).
/// - **relight** `strength` s (our stand-in for Yu et al.'s SfSNet face relighting, which needs a face
///   model): a light direction `(a, b)` with `a = 2 nextDouble() - 1`, `b = 2 nextDouble() - 1`, drawn
///   again until `1/16 <= a^2 + b^2 <= 1`, normalised by `sqrt(a^2 + b^2)`; light colour
///   `tint[c] = 1 + s (nextDouble() - 0.5)` for R, G, B; per pixel, in float64 and this order,
///   `t = ((x + 0.5 - W/2) dx + (y + 0.5 - H/2) dy) / (sqrt(W^2 + H^2) / 2)`, `g = 1 + s t`,
///   `out = clip(round_half_even(p * (g * tint[c])), 0, 255)`.
public enum ImagePerturbations {
    /// OpenCV's 8-bit fixed-point Gaussian kernels for `GaussianBlur(ksize=(k, k), sigmaX=0)` (each sums to 256).
    public static let blurKernels: [Int: [Int32]] = [
        1: [256],
        3: [64, 128, 64],
        5: [16, 64, 96, 64, 16],
        7: [8, 28, 56, 72, 56, 28, 8],
        9: [4, 13, 30, 51, 60, 51, 30, 13, 4],
        11: [2, 7, 17, 31, 45, 52, 45, 31, 17, 7, 2],
        13: [1, 5, 10, 19, 30, 41, 44, 41, 30, 19, 10, 5, 1],
        15: [1, 3, 6, 12, 20, 30, 36, 40, 36, 30, 20, 12, 6, 3, 1],
    ]

    /// One step with its drawn strength; `rng` continues the sample's stream for the step's own draws.
    public static func apply(_ kind: PerturbationSpec.Kind, value: Double, to image: RGBImage, rng: inout SeededRandom) throws -> RGBImage {
        switch kind {
        case .jpeg: return try JPEG.roundTrip(image, quality: Int(value))
        case .blur: return blur(image, kernel: Int(value))
        case .noise: return noise(image, variance: value, rng: &rng)
        case .crop: return cropResize(image, fraction: value, rng: &rng)
        case .relight: return relight(image, strength: value, rng: &rng)
        }
    }

    /// `cv2.GaussianBlur(image, (kernel, kernel), 0)` exactly (see the type's documentation).
    public static func blur(_ image: RGBImage, kernel k: Int) -> RGBImage {
        guard let taps = blurKernels[k] else { preconditionFailure("blur kernel \(k) is not tabulated") }
        let w = image.width, h = image.height, r = k / 2
        guard k > 1, w > 0, h > 0 else { return image }
        let xs = (0..<(w + 2 * r)).map { reflect101($0 - r, w) }
        let ys = (0..<(h + 2 * r)).map { reflect101($0 - r, h) }
        // Rows: uint8 x 8-bit fixed point, exact in 16 bits (taps sum to 256).
        var rows = [Int32](repeating: 0, count: h * w * 3)
        image.pixels.withUnsafeBufferPointer { p in
            for y in 0..<h {
                for x in 0..<w {
                    for c in 0..<3 {
                        var acc: Int32 = 0
                        for t in 0..<k { acc += taps[t] * Int32(p[(y * w + xs[x + t]) * 3 + c]) }
                        rows[(y * w + x) * 3 + c] = acc
                    }
                }
            }
        }
        var out = [UInt8](repeating: 0, count: h * w * 3)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    var acc: Int32 = 0
                    for t in 0..<k { acc += taps[t] * rows[(ys[y + t] * w + x) * 3 + c] }
                    out[(y * w + x) * 3 + c] = UInt8((acc + 32_768) >> 16)
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    /// Additive Gaussian noise of `variance` (see the type's documentation).
    public static func noise(_ image: RGBImage, variance: Double, rng: inout SeededRandom) -> RGBImage {
        let sd = variance.squareRoot()
        let z = seededNormals(&rng, count: image.pixels.count)
        var out = image.pixels
        for i in out.indices { out[i] = clip(Double(image.pixels[i]) + sd * z[i]) }
        return RGBImage(width: image.width, height: image.height, pixels: out)
    }

    /// Crops `fraction` of each side away at a drawn place and resizes back (see the type's documentation).
    public static func cropResize(_ image: RGBImage, fraction f: Double, rng: inout SeededRandom) -> RGBImage {
        let w = image.width, h = image.height
        let cw = max(1, w - Int((f * Double(w)).rounded(.toNearestOrEven)))
        let ch = max(1, h - Int((f * Double(h)).rounded(.toNearestOrEven)))
        let x0 = rng.nextInt(below: w - cw + 1), y0 = rng.nextInt(below: h - ch + 1)
        return PillowResize.bicubic(image.cropped(x: x0, y: y0, width: cw, height: ch), width: w, height: h)
    }

    /// A directional light gradient and a light colour of `strength` (see the type's documentation).
    public static func relight(_ image: RGBImage, strength s: Double, rng: inout SeededRandom) -> RGBImage {
        var a = 0.0, b = 0.0, r2 = 0.0
        repeat {
            a = 2 * rng.nextDouble() - 1
            b = 2 * rng.nextDouble() - 1
            r2 = a * a + b * b
        } while r2 < 0.0625 || r2 > 1
        let norm = r2.squareRoot(), dx = a / norm, dy = b / norm
        let tint = (0..<3).map { _ in 1 + s * (rng.nextDouble() - 0.5) }
        let w = Double(image.width), h = Double(image.height)
        let half = (w * w + h * h).squareRoot() / 2
        var out = image.pixels
        for y in 0..<image.height {
            for x in 0..<image.width {
                let t = ((Double(x) + 0.5 - w / 2) * dx + (Double(y) + 0.5 - h / 2) * dy) / half
                let g = 1 + s * t
                for c in 0..<3 {
                    let i = (y * image.width + x) * 3 + c
                    out[i] = clip(Double(image.pixels[i]) * (g * tint[c]))
                }
            }
        }
        return RGBImage(width: image.width, height: image.height, pixels: out)
    }

    @inline(__always) static func clip(_ v: Double) -> UInt8 {
        UInt8(min(255, max(0, v.rounded(.toNearestOrEven))))
    }

    /// OpenCV's `BORDER_REFLECT_101` index (`-1 -> 1`, `n -> n - 2`), repeated for kernels wider than the image.
    static func reflect101(_ i: Int, _ n: Int) -> Int {
        guard n > 1 else { return 0 }
        var i = i
        while i < 0 || i >= n {
            if i < 0 { i = -i }
            if i >= n { i = 2 * n - 2 - i }
        }
        return i
    }
}
