import SISRCore

/// A float image stored plane by plane (`[channel][row][column]`), values on the 0-255 scale.
///
/// Denoisers work on this type: BM3D and the wavelet denoiser take a noise standard deviation on
/// the same 0-255 scale, as the paper's PRNU baseline called `bm3d.bm3d(uint8_image, 5)`.
public struct PlanarImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// `channels * height * width` values, channel-major.
    public var data: [Float]

    public init(width: Int, height: Int, channels: Int, data: [Float]) {
        precondition(width > 0 && height > 0 && channels > 0, "PlanarImage: empty size")
        precondition(data.count == width * height * channels, "PlanarImage: size mismatch")
        self.width = width
        self.height = height
        self.channels = channels
        self.data = data
    }

    /// The three RGB planes of `image`, values 0...255 (no scaling).
    public init(_ image: RGBImage) {
        let n = image.width * image.height
        var out = [Float](repeating: 0, count: 3 * n)
        image.pixels.withUnsafeBufferPointer { px in
            for i in 0..<n {
                out[i] = Float(px[3 * i])
                out[n + i] = Float(px[3 * i + 1])
                out[2 * n + i] = Float(px[3 * i + 2])
            }
        }
        self.init(width: image.width, height: image.height, channels: 3, data: out)
    }

    /// Plane `c` as its own one-channel image.
    public func plane(_ c: Int) -> PlanarImage {
        precondition(c >= 0 && c < channels)
        let n = width * height
        return PlanarImage(width: width, height: height, channels: 1, data: Array(data[(c * n)..<((c + 1) * n)]))
    }
}
