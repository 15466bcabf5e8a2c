import SISRCore

/// PNG.decode (libpng behind the project's chunk walk) on arbitrary bytes.
enum PNGHarness {
    static func run(_ data: [UInt8]) {
        // 2^22 pixels (16 MB of RGBA): fuzz inputs are small, so a larger image is a lie.
        _ = try? PNG.decode(data, name: "fuzz.png", maxPixels: 1 << 22)
    }
}
