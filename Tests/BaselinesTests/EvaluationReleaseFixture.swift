import Foundation
import SISRCore

/// A tiny release written in the test (docs/FORMAT.md layout, only what the loader's index reader and
/// the baselines read): five "models" that degrade and re-upsample procedural images differently, so
/// scale and loss leave visible traces. 12 train and 10 test images per model, 48x48.
enum MiniRelease {
    static let models: [(name: String, arch: String, scale: Int, loss: String, seed: String)] = [
        ("EDSR-div2k-x2-L1-s1", "EDSR", 2, "L1", "s1"),
        ("EDSR-div2k-x2-L1-s2", "EDSR", 2, "L1", "s2"),
        ("EDSR-div2k-x4-L1-s1", "EDSR", 4, "L1", "s1"),
        ("RCAN-div2k-x2-VGG_GAN-s1", "RCAN", 2, "VGG_GAN", "s1"),
        ("RCAN-div2k-x4-VGG_GAN-s1", "RCAN", 4, "VGG_GAN", "s1"),
    ]

    /// The model's output for one HR image: MATLAB-bicubic down, nearest-neighbour up, plus (GAN) seeded
    /// noise; seed s2 adds a faint period-2 pattern.
    static func render(_ m: (name: String, arch: String, scale: Int, loss: String, seed: String), image: Int) -> RGBImage {
        let hr = Procedural.image(seed: 1, index: image, width: 48, height: 48)
        let lr = degrade(hr, scale: m.scale)
        var rng = SeededRandom(seed: 2, m.name, String(image))
        var px = [UInt8](repeating: 0, count: 48 * 48 * 3)
        for y in 0..<48 { for x in 0..<48 { for c in 0..<3 {
            var v = Int(lr[x / m.scale, y / m.scale, c])
            if m.loss == "VGG_GAN" { v += rng.nextInt(below: 25) - 12 }
            if m.seed == "s2" && (x + y) % 2 == 0 { v += 3 }
            px[(y * 48 + x) * 3 + c] = UInt8(clamping: v)
        } } }
        return RGBImage(width: 48, height: 48, pixels: px)
    }

    /// Writes the release into `dir` and two protocols into `dir/protocols`.
    static func write(to dir: URL) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("shards/train"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent("shards/test"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent("protocols"), withIntermediateDirectories: true)
        var index = "", shards: [String] = []
        for (shardNo, split) in ["train", "test"].enumerated() {
            let images = split == "train" ? Array(0..<12) : Array(100..<110)
            var tar = TarWriter()
            var count = 0
            for m in models {
                for i in images {
                    let key = "\(m.name)__img\(String(format: "%04d", i))"
                    let png = PNG.encode(render(m, image: i))
                    let offset = try tar.append(name: key + ".png", data: png)
                    let labels = "{\"architecture\":\"\(m.arch)\",\"dataset\":\"div2k\",\"family\":\"custom\",\"loss\":\"\(m.loss)\","
                        + "\"model\":\"\(m.name)\",\"pretrained\":\"false\",\"scale\":\"x\(m.scale)\",\"seed\":\"\(m.seed)\"}"
                    index += "{\"height\":48,\"key\":\"\(key)\",\"labels\":\(labels),\"png_offset\":\(offset),"
                        + "\"png_size\":\(png.count),\"shard\":\(shardNo),\"split\":\"\(split)\",\"width\":48}\n"
                    count += 1
                }
            }
            let tarBytes = tar.finish()
            let zst = Zstd.compress(tarBytes)
            let path = "shards/\(split)/sisr-\(split)-000000.tar.zst"
            try Data(zst).write(to: dir.appendingPathComponent(path))
            shards.append("{\"path\":\"\(path)\",\"split\":\"\(split)\",\"samples\":\(count),\"sha256\":\"\(SHA256Hasher.hex(zst))\","
                + "\"tar_bytes\":\(tarBytes.count),\"tar_sha256\":\"\(SHA256Hasher.hex(tarBytes))\"}")
        }
        try Data(index.utf8).write(to: dir.appendingPathComponent("index.jsonl"))
        let manifest = "{\"format\":\"sisr-release\",\"format_version\":1,\"shards\":[\(shards.joined(separator: ","))]}"
        try Data(manifest.utf8).write(to: dir.appendingPathComponent("manifest.json"))
        try Data(#"{"name":"mini-attribution","description":"","models":{"family":["custom"]},"label":"model"}"#.utf8)
            .write(to: dir.appendingPathComponent("protocols/mini-attribution.json"))
        try Data(#"{"name":"mini-scale","description":"","models":{},"label":"scale","withheld":{"parameter":"seed","value":"s2"}}"#.utf8)
            .write(to: dir.appendingPathComponent("protocols/mini-scale.json"))
    }
}
