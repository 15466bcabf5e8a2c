import CPNG
import Foundation

/// PNG row filter used by the encoder for every row (`adaptive` lets libpng choose per row).
public enum PNGFilter: String, Sendable, Codable, CaseIterable {
    case none, sub, up, average, paeth, adaptive
}

/// Encoder settings. The same pixels and options always give the same bytes: zlib settings are fixed
/// and no time, text or gamma chunks are written.
public struct PNGEncodeOptions: Sendable, Codable, Equatable {
    /// zlib level 0...9; 0 writes stored (uncompressed) deflate blocks.
    public var compressionLevel: Int
    public var filter: PNGFilter

    public init(compressionLevel: Int = 6, filter: PNGFilter = .adaptive) {
        self.compressionLevel = compressionLevel
        self.filter = filter
    }

    /// The shard format: stored deflate blocks and the Up filter on every row (see docs/FORMAT.md).
    public static let shard = PNGEncodeOptions(compressionLevel: 0, filter: .up)
    /// An ordinary compressed PNG for files people look at.
    public static let standard = PNGEncodeOptions(compressionLevel: 6, filter: .adaptive)
}

/// PNG decoding and encoding over libpng (the one file that imports it).
///
/// Decoding accepts 8-bit gray, gray+alpha, RGB, RGBA and palette images (bit depths 1-8) and returns
/// RGB8: gray is replicated, alpha is dropped (as Pillow's `convert("RGB")` does). 16-bit images are
/// refused with a clear error, since converting them would change the data.
public enum PNG {
    /// Largest pixel count accepted before any pixel buffer is allocated (default 2^28, 268 MP).
    public static let defaultMaxPixels = 1 << 28

    /// Decodes PNG bytes. `name` (usually the file path) is used in error messages.
    public static func decode(_ bytes: [UInt8], name: String = "<memory>", maxPixels: Int = defaultMaxPixels) throws -> RGBImage {
        guard bytes.count >= 8, bytes[0] == 0x89, bytes[1] == 0x50, bytes[2] == 0x4E, bytes[3] == 0x47 else {
            throw SISRError.corrupt(path: name, problem: "not a PNG file (bad signature)")
        }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let ok = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard ok != 0 else {
            throw SISRError.corrupt(path: name, problem: "invalid PNG header: \(message(of: &image))")
        }
        defer { png_image_free(&image) }
        let width = Int(image.width), height = Int(image.height)
        guard width > 0, height > 0, width * height <= maxPixels else {
            throw SISRError.corrupt(path: name, problem: "PNG claims \(width)x\(height) pixels, over the limit of \(maxPixels)")
        }
        if image.format & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0 {
            throw SISRError.corrupt(path: name, problem: "16-bit PNG is not supported; convert it to 8-bit first")
        }
        let hasAlpha = image.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
        image.format = UInt32(PNG_FORMAT_FLAG_COLOR) | (hasAlpha ? UInt32(PNG_FORMAT_FLAG_ALPHA) : 0)
        let channels = hasAlpha ? 4 : 3
        var buffer = [UInt8](repeating: 0, count: width * height * channels)
        let done = buffer.withUnsafeMutableBytes {
            png_image_finish_read(&image, nil, $0.baseAddress, Int32(width * channels), nil)
        }
        guard done != 0 else {
            throw SISRError.corrupt(path: name, problem: "cannot decode PNG data: \(message(of: &image))")
        }
        if !hasAlpha { return RGBImage(width: width, height: height, pixels: buffer) }
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            rgb[i * 3] = buffer[i * 4]
            rgb[i * 3 + 1] = buffer[i * 4 + 1]
            rgb[i * 3 + 2] = buffer[i * 4 + 2]
        }
        return RGBImage(width: width, height: height, pixels: rgb)
    }

    /// Reads and decodes a PNG file; errors name the file.
    public static func read(_ url: URL, maxPixels: Int = defaultMaxPixels) throws -> RGBImage {
        let data: Data
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw SISRError.io(path: url.path, problem: "file not found")
        }
        guard !isDir.boolValue else { throw SISRError.io(path: url.path, problem: "is a folder, not a PNG file") }
        do { data = try Data(contentsOf: url) } catch {
            throw SISRError.io(path: url.path, problem: "cannot read file (\(error.localizedDescription))")
        }
        return try decode([UInt8](data), name: url.path, maxPixels: maxPixels)
    }

    /// Encodes RGB8 pixels deterministically.
    public static func encode(_ image: RGBImage, options: PNGEncodeOptions = .standard) -> [UInt8] {
        precondition(image.width > 0 && image.height > 0, "cannot encode an empty image")
        precondition((0...9).contains(options.compressionLevel), "compression level must be 0...9")
        let sink = PNGSink()
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        guard let png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nil, pngFatalError, pngIgnoreWarning) else {
            fatalError("libpng: cannot create write struct (out of memory)")
        }
        var pngOpt: png_structp? = png
        guard let info = png_create_info_struct(png) else { fatalError("libpng: cannot create info struct") }
        var infoOpt: png_infop? = info
        defer { png_destroy_write_struct(&pngOpt, &infoOpt) }
        png_set_write_fn(png, unmanaged.toOpaque(), pngWriteCallback, pngFlushCallback)
        png_set_IHDR(png, info, png_uint_32(image.width), png_uint_32(image.height), 8, PNG_COLOR_TYPE_RGB,
                     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT)
        png_set_compression_level(png, Int32(options.compressionLevel))
        png_set_compression_mem_level(png, 8)
        png_set_compression_window_bits(png, 15)
        png_set_compression_strategy(png, 0)  // Z_DEFAULT_STRATEGY
        png_set_compression_buffer_size(png, 1 << 16)
        png_set_filter(png, 0, filterMask(options.filter))
        png_write_info(png, info)
        image.pixels.withUnsafeBufferPointer { px in
            let stride = image.width * 3
            for y in 0..<image.height {
                png_write_row(png, px.baseAddress! + y * stride)
            }
        }
        png_write_end(png, nil)
        return sink.bytes
    }

    /// Encodes and writes atomically (temporary name, then rename).
    public static func write(_ image: RGBImage, to url: URL, options: PNGEncodeOptions = .standard) throws {
        try AtomicFile.write(encode(image, options: options), to: url)
    }

    static func filterMask(_ f: PNGFilter) -> Int32 {
        switch f {
        case .none: return Int32(PNG_FILTER_NONE)
        case .sub: return Int32(PNG_FILTER_SUB)
        case .up: return Int32(PNG_FILTER_UP)
        case .average: return Int32(PNG_FILTER_AVG)
        case .paeth: return Int32(PNG_FILTER_PAETH)
        case .adaptive: return Int32(PNG_FILTER_NONE | PNG_FILTER_SUB | PNG_FILTER_UP | PNG_FILTER_AVG | PNG_FILTER_PAETH)
        }
    }

    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

private final class PNGSink {
    var bytes: [UInt8] = []
}

private func pngWriteCallback(_ png: png_structp?, _ data: png_bytep?, _ length: Int) {
    guard let png, let data, let io = png_get_io_ptr(png) else { return }
    let sink = Unmanaged<PNGSink>.fromOpaque(io).takeUnretainedValue()
    sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: length))
}

private func pngFlushCallback(_ png: png_structp?) {}

private func pngFatalError(_ png: png_structp?, _ message: png_const_charp?) {
    // Only reachable through programmer error or exhaustion while encoding from memory we own.
    fatalError("libpng encoder error: \(message.map { String(cString: $0) } ?? "unknown")")
}

private func pngIgnoreWarning(_ png: png_structp?, _ message: png_const_charp?) {}
