import CTurboJPEG

/// Baseline JPEG through libjpeg-turbo's TurboJPEG API (the only file importing it).
///
/// Settings, fixed so that the bytes are what Pillow's `Image.save(f, "JPEG", quality=q)` writes:
/// YCbCr with 4:2:0 chroma subsampling, the IJG standard tables scaled by `quality`
/// (`jpeg_set_quality(q, force_baseline=TRUE)`), the accurate integer DCT (`JDCT_ISLOW`), standard
/// Huffman tables, no progressive mode, a JFIF header. Decoding uses the accurate integer IDCT and
/// libjpeg's default ("fancy") chroma upsampling, as Pillow's `Image.open(...).convert("RGB")` does.
/// The integer DCT, colour conversion and upsampling give the same bytes with and without
/// libjpeg-turbo's SIMD code (`JSIMD_FORCENONE=1` checks it), so the result does not depend on the CPU.
public enum JPEG {
    /// Encodes `image` at `quality` (1...100).
    public static func encode(_ image: RGBImage, quality: Int) throws -> [UInt8] {
        guard (1...100).contains(quality) else {
            throw SISRError.invalidArgument("JPEG quality must be 1...100 (got \(quality))")
        }
        guard image.width > 0, image.height > 0, image.width <= 65_500, image.height <= 65_500 else {
            throw SISRError.invalidArgument("cannot JPEG-encode a \(image.width)x\(image.height) image (each side must be 1...65500)")
        }
        guard let handle = tjInitCompress() else { throw SISRError.invalidArgument("libjpeg-turbo: cannot create a compressor") }
        defer { tjDestroy(handle) }
        var out: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = image.pixels.withUnsafeBufferPointer { px in
            tjCompress2(handle, px.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(TJPF_RGB.rawValue),
                        &out, &size, Int32(TJSAMP_420.rawValue), Int32(quality), Int32(TJFLAG_ACCURATEDCT))
        }
        defer { if let out { tjFree(out) } }
        guard status == 0, let out else {
            throw SISRError.invalidArgument("libjpeg-turbo cannot encode the image: \(message(handle))")
        }
        return Array(UnsafeBufferPointer(start: out, count: Int(size)))
    }

    /// Decodes JPEG bytes to RGB8; `name` is used in errors.
    public static func decode(_ bytes: [UInt8], name: String = "<memory>", maxPixels: Int = PNG.defaultMaxPixels) throws -> RGBImage {
        guard let handle = tjInitDecompress() else { throw SISRError.corrupt(path: name, problem: "libjpeg-turbo: cannot create a decompressor") }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsamp: Int32 = 0, colorspace: Int32 = 0
        let header = bytes.withUnsafeBufferPointer {
            tjDecompressHeader3(handle, $0.baseAddress, UInt($0.count), &width, &height, &subsamp, &colorspace)
        }
        guard header == 0 else { throw SISRError.corrupt(path: name, problem: "not a readable JPEG: \(message(handle))") }
        guard width > 0, height > 0, Int(width) * Int(height) <= maxPixels else {
            throw SISRError.corrupt(path: name, problem: "JPEG claims \(width)x\(height) pixels, over the limit of \(maxPixels)")
        }
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
        let status = bytes.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(handle, src.baseAddress, UInt(src.count), dst.baseAddress, width, 0, height,
                              Int32(TJPF_RGB.rawValue), Int32(TJFLAG_ACCURATEDCT))
            }
        }
        guard status == 0 else { throw SISRError.corrupt(path: name, problem: "cannot decode JPEG data: \(message(handle))") }
        return RGBImage(width: Int(width), height: Int(height), pixels: pixels)
    }

    /// The image after one JPEG round trip at `quality` (encode, then decode).
    public static func roundTrip(_ image: RGBImage, quality: Int) throws -> RGBImage {
        try decode(encode(image, quality: quality), name: "JPEG round trip")
    }

    private static func message(_ handle: tjhandle) -> String {
        guard let s = tjGetErrorStr2(handle) else { return "unknown error" }
        return String(cString: s)
    }
}
