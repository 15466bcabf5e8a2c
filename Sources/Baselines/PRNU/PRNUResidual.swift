import SISRCore

/// Noise residuals as the paper's PRNU baseline computes them.
public enum PRNUResidual {
    /// The center crop the reference used: origin `((width - size) / 2, (height - size) / 2)` with
    /// integer division, `size x size` pixels. Throws when the image is smaller than the crop.
    public static func centerCrop(_ image: RGBImage, size: Int, name: String = "image") throws -> RGBImage {
        guard size > 0 else { throw SISRError.invalidArgument("PRNU crop size must be positive, got \(size)") }
        guard image.width >= size, image.height >= size else {
            throw SISRError.invalidArgument(
                "\(name): \(image.width)x\(image.height) is smaller than the PRNU crop \(size)x\(size)")
        }
        return image.cropped(x: (image.width - size) / 2, y: (image.height - size) / 2, width: size, height: size)
    }

    /// `image - denoiser(image)` per RGB value, converted to Int8 as the reference's
    /// `(image - denoised).astype(np.int8)`: truncated toward zero. Values outside -128...127 (which
    /// NumPy would wrap around) are clipped. Returned interleaved like ``RGBImage/pixels``
    /// (`(y * width + x) * 3 + channel`).
    public static func residual(_ image: RGBImage, denoiser: any Denoiser) -> [Int8] {
        let planes = PlanarImage(image)
        let den = denoiser.denoise(planes)
        precondition(den.data.count == planes.data.count, "denoiser changed the image size")
        let n = image.width * image.height
        var out = [Int8](repeating: 0, count: 3 * n)
        for i in 0..<n {
            for c in 0..<3 {
                let d = (planes.data[c * n + i] - den.data[c * n + i]).rounded(.towardZero)
                out[3 * i + c] = Int8(min(127, max(-128, d.isNaN ? 0 : d)))
            }
        }
        return out
    }
}
