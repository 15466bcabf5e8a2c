import DatasetLoader
import Foundation
import SISRCore

/// Writes small releases in the docs/FORMAT.md layout for tests (manifest.json, index.jsonl, shards),
/// with procedural images, so the loader is tested independently of the builder's pipeline.
struct TestRelease {
    struct Model {
        let name: String
        let labels: [String: String]
    }

    static let models: [Model] = {
        var out = [Model]()
        for arch in ["EDSR", "RCAN"] {
            for scale in ["x2", "x4"] {
                for loss in ["L1", "VGG_GAN"] {
                    let name = "\(arch)-div2k-\(scale)-\(loss)-s1"
                    out.append(Model(name: name, labels: [
                        "model": name, "architecture": arch, "scale": scale, "loss": loss, "dataset": "div2k",
                        "seed": "s1", "pretrained": "false", "family": "custom",
                    ]))
                }
            }
        }
        return out
    }()

    /// Image ids with their split and size (sizes vary so crops and centre rounding are exercised).
    static let images: [(id: String, split: String, width: Int, height: Int)] = (0..<10).map { i in
        let split = i < 6 ? "train" : (i < 8 ? "val" : "test")
        return (String(format: "img%06d", i), split, 40 + i * 3, 36 + (i * 5) % 11)
    }

    /// Writes a release into a fresh temporary folder and returns it.
    /// - Parameters:
    ///   - perShard: samples per shard.
    ///   - pngOptions: encoder options (`.standard` exercises the general decoder fallback).
    static func make(perShard: Int = 7, pngOptions: PNGEncodeOptions = .shard, name: String = #function) throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("sisr-loader-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("shards"), withIntermediateDirectories: true)
        var indexLines = [String]()
        var shards = [[String: Any]]()
        for split in ["train", "val", "test"] {
            var pending = [(key: String, png: [UInt8], json: [UInt8], image: (String, Int, Int), model: Model)]()
            for model in models {
                for (n, image) in images.enumerated() where image.split == split {
                    let pixels = Procedural.image(seed: 3, index: n * 31 + model.name.count, width: image.width, height: image.height)
                    let key = "\(model.name)__\(image.id)"
                    let labelJSON = try JSONSerialization.data(withJSONObject: model.labels, options: [.sortedKeys])
                    pending.append((key, PNG.encode(pixels, options: pngOptions), Array(labelJSON), (image.id, image.width, image.height), model))
                }
            }
            var start = 0
            while start < pending.count {
                let group = pending[start..<min(start + perShard, pending.count)]
                var tar = TarWriter()
                let shardIndex = shards.count
                for s in group {
                    let pngOffset = try tar.append(name: s.key + ".png", data: s.png)
                    let jsonOffset = try tar.append(name: s.key + ".json", data: s.json)
                    let record: [String: Any] = [
                        "key": s.key, "model": s.model.name, "image": s.image.0, "split": split, "labels": s.model.labels,
                        "width": s.image.1, "height": s.image.2, "psnr": 30.0, "shard": shardIndex,
                        "png_offset": pngOffset, "png_size": s.png.count, "json_offset": jsonOffset, "json_size": s.json.count,
                        "png_sha256": SHA256Hasher.hex(s.png), "pixel_sha256": "",
                    ]
                    indexLines.append(String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]), as: UTF8.self))
                }
                let tarBytes = tar.finish()
                let compressed = Zstd.compress(tarBytes, level: 3)
                let path = "shards/\(split)/sisr-\(split)-\(String(format: "%06d", shardIndex)).tar.zst"
                try FileManager.default.createDirectory(at: dir.appendingPathComponent("shards/\(split)"), withIntermediateDirectories: true)
                try Data(compressed).write(to: dir.appendingPathComponent(path))
                shards.append([
                    "path": path, "split": split, "samples": group.count, "bytes": compressed.count,
                    "sha256": SHA256Hasher.hex(compressed), "tar_bytes": tarBytes.count, "tar_sha256": SHA256Hasher.hex(tarBytes),
                    "first_key": group.first!.key, "last_key": group.last!.key,
                ])
                start += perShard
            }
        }
        let manifest: [String: Any] = ["format": "sisr-release", "format_version": 1, "seed": 0, "shards": shards]
        try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]).write(to: dir.appendingPathComponent("manifest.json"))
        try Data((indexLines.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent("index.jsonl"))
        return dir
    }

    static func options(_ edit: (inout LoaderOptions) -> Void = { _ in }) -> LoaderOptions {
        var o = LoaderOptions()
        o.patch = 32
        o.batchSize = 5
        edit(&o)
        return o
    }
}
