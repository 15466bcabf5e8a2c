/// An 8-bit RGB image, pixels interleaved row-major (`(y * width + x) * 3 + channel`).
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3, "RGBImage: size mismatch")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A black image.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height * 3))
    }

    @inlinable public subscript(x: Int, y: Int, c: Int) -> UInt8 {
        get { pixels[(y * width + x) * 3 + c] }
        set { pixels[(y * width + x) * 3 + c] = newValue }
    }

    /// The rectangle `[x, x+w) x [y, y+h)`; it must lie inside the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> RGBImage {
        precondition(x >= 0 && y >= 0 && x + w <= width && y + h <= height, "crop outside the image")
        var out = [UInt8](repeating: 0, count: w * h * 3)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for row in 0..<h {
                    let s = ((y + row) * width + x) * 3
                    let d = row * w * 3
                    for i in 0..<(w * 3) { dst[d + i] = src[s + i] }
                }
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }

    /// Crops to the largest size whose sides are multiples of `scale` (top-left anchored), as BasicSR's
    /// `modcrop` does.
    public func modcropped(to scale: Int) -> RGBImage {
        precondition(scale >= 1)
        let w = width - width % scale, h = height - height % scale
        if w == width && h == height { return self }
        return cropped(x: 0, y: 0, width: w, height: h)
    }

    /// SHA-256 of the raw pixel bytes (row-major HxWx3 RGB8): an encoding-independent identity.
    public var pixelSHA256: String { SHA256Hasher.hex(pixels) }

    /// Planar float copy in [0, 1], shape `[3, height, width]`.
    public func planarFloats() -> [Float] {
        let n = width * height
        var out = [Float](repeating: 0, count: 3 * n)
        for i in 0..<n {
            for c in 0..<3 { out[c * n + i] = Float(pixels[i * 3 + c]) / 255 }
        }
        return out
    }

    /// Builds an image from planar values in [0,1] (shape `[3, height, width]`): clamp to [0,1], x255,
    /// round half away from zero, uint8. This is the project's single output quantisation rule.
    public static func fromPlanar(_ planes: [Float], width: Int, height: Int) -> RGBImage {
        let n = width * height
        precondition(planes.count == 3 * n, "fromPlanar: size mismatch")
        var px = [UInt8](repeating: 0, count: 3 * n)
        for c in 0..<3 {
            for i in 0..<n { px[i * 3 + c] = quantizeUnit(planes[c * n + i]) }
        }
        return RGBImage(width: width, height: height, pixels: px)
    }
}

/// Clamp `v` to [0,1], multiply by 255 (in the value's own precision) and round half away from zero.
@inlinable public func quantizeUnit(_ v: Float) -> UInt8 {
    if !(v > 0) { return 0 }  // also maps NaN to 0
    if v >= 1 { return 255 }
    return UInt8((v * 255).rounded(.toNearestOrAwayFromZero))
}

/// Double-precision variant of ``quantizeUnit(_:)-(Float)``.
@inlinable public func quantizeUnit(_ v: Double) -> UInt8 {
    if !(v > 0) { return 0 }
    if v >= 1 { return 255 }
    return UInt8((v * 255).rounded(.toNearestOrAwayFromZero))
}
