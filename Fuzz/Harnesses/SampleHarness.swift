import DatasetLoader
import Foundation
import SISRCore

/// The loader's sample reader through its public API: a one-shard source whose decompressed tar is
/// the input after a 12-byte header (u32 png_offset, u32 png_size, u16 width, u16 height, little
/// endian), read with `BatchLoader.patch` (zstd, the shard-PNG fast path or libpng, the crop).
enum SampleHarness {
    static let dir = scratchFolder("sample")

    static func run(_ data: [UInt8]) {
        guard data.count >= 12 else { return }
        func le(_ at: Int, _ n: Int) -> Int { (0..<n).reduce(0) { $0 | Int(data[at + $1]) << (8 * $1) } }
        let tar = Array(data[12...])
        let offset = le(0, 4), size = le(4, 4), width = le(8, 2), height = le(10, 2)
        // The member name the tar header before the PNG gives, as an index would record it.
        var key = "k"
        if offset >= 512, offset <= tar.count {
            let name = tar[(offset - 512)..<min(offset - 412, tar.count)].prefix { $0 != 0 }
            key = String(decoding: name, as: UTF8.self)
            if key.hasSuffix(".png") { key.removeLast(4) }
        }
        let url = dir.appendingPathComponent("s.tar.zst")
        guard (try? Data(Zstd.compress(tar, level: 1)).write(to: url)) != nil else { return }
        let shard = ShardInfo(path: "shards/train/fuzz.tar.zst", url: url, sha256: "", tarBytes: tar.count, tarSHA256: "")
        let ref = SampleRef(key: key, shard: 0, pngOffset: offset, pngSize: size, width: width, height: height, classId: 0)
        var options = LoaderOptions()
        options.split = "train"
        options.patch = 8
        options.batchSize = 1
        options.threads = 1
        options.verify = false
        options.cacheBytes = 1 << 20
        let source = LoaderSource(manifestSHA256: String(repeating: "0", count: 64), split: "train", shards: [shard],
                                  samples: [ref], classes: ["c"])
        guard let loader = try? BatchLoader(source: source, options: options) else { return }
        _ = try? loader.patch(of: ref, epoch: 0)
    }
}
