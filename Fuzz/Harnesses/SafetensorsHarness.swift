@testable import SRModels

/// The safetensors reader (header JSON, offsets tiling the buffer, dtype conversion).
enum SafetensorsHarness {
    static func run(_ data: [UInt8]) {
        _ = try? Safetensors.read(data, path: "fuzz.safetensors")
    }
}
