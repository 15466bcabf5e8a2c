import SISRCore

/// A shard as `verify --deep` reads it: zstd frames (stopped at a declared size, as the manifest's
/// `tar_bytes` does), then the strict tar reader, then every `.png` member decoded.
enum ShardHarness {
    static func run(_ data: [UInt8]) {
        // Raw input is tried both as a zstd stream and as a tar, so the corpus can hold either.
        let tar = (try? Zstd.decompress(data, name: "fuzz.tar.zst", maxOutput: 4 << 20)) ?? data
        guard let entries = try? TarReader.entries(tar, name: "fuzz.tar") else { return }
        for e in entries where e.name.hasSuffix(".png") {
            _ = try? PNG.decode(Array(tar[e.dataOffset..<(e.dataOffset + e.size)]), name: e.name, maxPixels: 1 << 22)
        }
    }
}
