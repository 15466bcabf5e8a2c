import DatasetLoader
import Foundation
import SISRCore

/// The format-3 band reader through the loader's public API: the input is a header (u16 width,
/// u16 height, u8 band rows, u8 patch, u8 key length, the key; little endian) and then one sample's
/// zstd frames (head, bands, tail) as a shard file; the loader crops a patch from the bands it
/// touches (frame walk, XXH64, layout checks, un-filtering) and reads the whole PNG member. Sizes
/// are taken modulo 1024 so that the tar size the index implies (which bounds every allocation, as
/// `tar_bytes` does in a release) stays a few MB.
enum BandHarness {
    static let dir = scratchFolder("bands")

    static func run(_ data: [UInt8]) {
        guard data.count >= 7 else { return }
        let width = 1 + (Int(data[0]) | Int(data[1]) << 8) % 1024, height = 1 + (Int(data[2]) | Int(data[3]) << 8) % 1024
        let bandRows = max(1, Int(data[4])), patch = max(1, Int(data[5])), keyLength = Int(data[6])
        guard data.count >= 7 + keyLength else { return }
        let key = String(decoding: data[7..<(7 + keyLength)], as: UTF8.self)
        let frames = Array(data[(7 + keyLength)...])
        guard !frames.isEmpty else { return }
        let url = dir.appendingPathComponent("s.tar.zst")
        guard (try? Data(frames).write(to: url)) != nil else { return }
        let pngSize = BandedPNG.size(width: width, height: height, bandRows: bandRows)
        let shard = ShardInfo(path: "shards/train/fuzz.tar.zst", url: url, sha256: "", tarBytes: 512 + pngSize + 4096,
                              tarSHA256: "", bandRows: bandRows)
        let ref = SampleRef(key: key, shard: 0, pngOffset: 512, pngSize: pngSize, width: width, height: height, classId: 0,
                            frameOffset: 0, frameSize: frames.count, frameSHA256: String(repeating: "0", count: 64))
        var options = LoaderOptions()
        options.split = "train"
        options.patch = min(patch, width, height)
        options.batchSize = 1
        options.threads = 1
        options.verify = false
        let source = LoaderSource(manifestSHA256: String(repeating: "0", count: 64), split: "train", shards: [shard],
                                  samples: [ref], classes: ["c"], perSampleFrames: true)
        guard let loader = try? BatchLoader(source: source, options: options) else { return }
        for epoch in 0..<3 { _ = try? loader.patch(of: ref, epoch: epoch) }
        _ = try? loader.pngBytes(key: key)
    }
}
