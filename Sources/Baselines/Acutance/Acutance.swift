import SISRCore

/// Acutance as the paper's code computes it (`classification/utils/image_patch.py`, `get_acutance`):
/// `cv2.Laplacian(np.array(ImageOps.grayscale(image)), cv2.CV_64F).var()`.
///
/// - Grey: Pillow's ITU-R 601-2 luma in integer arithmetic,
///   `L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16`.
/// - Laplacian: OpenCV's default aperture (`ksize=1`), the 3x3 kernel `0,1,0 / 1,-4,1 / 0,1,0`, with
///   OpenCV's default border `BORDER_REFLECT_101` (`gfedcb|abcdefgh|gfedcba`; a side of length 1 repeats
///   its only pixel), computed exactly (integers) and stored as float64.
/// - Variance: population variance (NumPy's `var`, `ddof=0`), two-pass in float64.
///
/// Checked against Pillow + OpenCV by `Scripts/make_acutance_fixtures.py` to 1e-9 relative.
public enum Acutance {
    /// Pillow's `convert("L")` of an RGB8 image: one byte per pixel, row-major.
    public static func grey(_ image: RGBImage) -> [UInt8] {
        let n = image.width * image.height
        var out = [UInt8](repeating: 0, count: n)
        image.pixels.withUnsafeBufferPointer { px in
            for i in 0..<n {
                let r = UInt32(px[3 * i]), g = UInt32(px[3 * i + 1]), b = UInt32(px[3 * i + 2])
                out[i] = UInt8((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
            }
        }
        return out
    }

    /// OpenCV's reflect-101 border index for `i` in `-1...n` (n >= 1).
    @inline(__always) static func reflect101(_ i: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        if i < 0 { return -i }
        if i >= n { return 2 * n - 2 - i }
        return i
    }

    /// The 3x3 Laplacian of a grey image (reflect-101 border), as exact integers.
    public static func laplacian(grey: [UInt8], width: Int, height: Int) -> [Int32] {
        precondition(grey.count == width * height, "laplacian: size mismatch")
        var out = [Int32](repeating: 0, count: grey.count)
        grey.withUnsafeBufferPointer { g in
            for y in 0..<height {
                let up = reflect101(y - 1, height) * width, down = reflect101(y + 1, height) * width
                let row = y * width
                for x in 0..<width {
                    let left = reflect101(x - 1, width), right = reflect101(x + 1, width)
                    let s = Int32(g[up + x]) + Int32(g[down + x]) + Int32(g[row + left]) + Int32(g[row + right])
                    out[row + x] = s - 4 * Int32(g[row + x])
                }
            }
        }
        return out
    }

    /// Population variance of the values, two-pass in float64 (mean first, then mean squared deviation).
    public static func populationVariance(_ values: [Int32]) -> Double {
        guard !values.isEmpty else { return 0 }
        var sum = 0.0
        for v in values { sum += Double(v) }
        let mean = sum / Double(values.count)
        var ss = 0.0
        for v in values {
            let d = Double(v) - mean
            ss += d * d
        }
        return ss / Double(values.count)
    }

    /// The acutance of an RGB8 image (variance of the Laplacian of its Pillow grey version).
    public static func value(_ image: RGBImage) -> Double {
        guard image.width > 0, image.height > 0 else { return 0 }
        let g = grey(image)
        return populationVariance(laplacian(grey: g, width: image.width, height: image.height))
    }
}
