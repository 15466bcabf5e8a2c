import DatasetLoader
import Foundation
import SISRCore

/// Writes small releases in the docs/FORMAT.md layout for tests (manifest.json, index.jsonl, shards),
/// with procedural images, so the loader is tested independently of the builder's pipeline.
public struct TestRelease {
    public static let models: [Labels] = {
        var out = [Labels]()
        for arch in ["EDSR", "RCAN"] {
            for scale in ["x2", "x4"] {
                for loss in ["L1", "VGG_GAN"] {
                    let name = "\(arch)-div2k-\(scale)-\(loss)-s1"
                    out.append(Labels(model: name, architecture: arch, scale: scale, loss: loss, dataset: "div2k",
                                      seed: "s1", pretrained: "false", family: "custom"))
                }
            }
        }
        return out
    }()

    /// Image ids with their split and size (sizes vary so crops and centre rounding are exercised).
    public static let images: [(id: String, split: String, width: Int, height: Int)] = (0..<10).map { i in
        let split = i < 6 ? "train" : (i < 8 ? "val" : "test")
        return (String(format: "img%06d", i), split, 40 + i * 3, 36 + (i * 5) % 11)
    }

    /// Writes a release (docs/FORMAT.md, readable by `Release.open`) into a fresh temporary folder.
    /// - Parameters:
    ///   - perShard: samples per shard.
    ///   - pngOptions: encoder options of formats 1 and 2 (`.standard` exercises the general decoder fallback).
    ///   - frames: `.perBand` (the default) writes format 3 with bands of `bandRows` rows (members are
    ///     ``BandedPNG``s), `.perSample` format 2, `.single` format 1 (one zstd frame per shard).
    ///   - editIndex: changes the index records before they are written (hashes are fixed up after).
    ///   - editPNG: changes a sample's PNG bytes (by key) before packing, e.g. to corrupt one.
    public static func make(perShard: Int = 7, pngOptions: PNGEncodeOptions = .shard, frames: ReleaseManifest.FrameLayout = .perBand,
                     bandRows: Int = 8,
                     editIndex: (inout [SampleRecord]) -> Void = { _ in },
                     editPNG: (String, inout [UInt8]) -> Void = { _, _ in }) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sisr-loader-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("shards"), withIntermediateDirectories: true)
        func write(_ bytes: [UInt8], _ path: String) throws -> ReleaseManifest.FileRef {
            try Data(bytes).write(to: dir.appendingPathComponent(path))
            return .init(path: path, sha256: SHA256Hasher.hex(bytes))
        }
        var records = [SampleRecord]()
        var shards = [ShardRecord]()
        for split in ["train", "val", "test"] {
            var pending = [(record: SampleRecord, png: [UInt8], json: [UInt8])]()
            for model in models {
                for (n, image) in images.enumerated() where image.split == split {
                    let pixels = Procedural.image(seed: 3, index: n * 31 + model.model.count, width: image.width, height: image.height)
                    var png = frames == .perBand ? BandedPNG.encode(pixels, bandRows: bandRows) : PNG.encode(pixels, options: pngOptions)
                    editPNG(KeyRules.sampleKey(model: model.model, image: image.id), &png)
                    let record = SampleRecord(
                        key: KeyRules.sampleKey(model: model.model, image: image.id), model: model.model, image: image.id,
                        split: split, labels: model, width: image.width, height: image.height, psnr: 30, shard: 0,
                        pngOffset: 0, pngSize: png.count, jsonOffset: 0, jsonSize: 0,
                        pngSHA256: SHA256Hasher.hex(png), pixelSHA256: pixels.pixelSHA256)
                    pending.append((record, png, try CanonicalJSON.encode(record.member)))
                }
            }
            var start = 0
            while start < pending.count {
                let group = pending[start..<min(start + perShard, pending.count)]
                let samples = group.map { FramedShard.Sample(key: $0.record.key, png: $0.png, json: $0.json) }
                let packed = try FramedShard.pack(samples, level: 3, frames: frames, bandRows: bandRows)
                for (s, (sample, place)) in zip(group, zip(samples, packed.placements)) {
                    records.append(FramedShard.placed(s.record, sample, shard: shards.count, at: place))
                }
                let tarBytes = packed.tar
                let compressed = packed.compressed
                let path = "shards/\(split)/sisr-\(split)-\(String(format: "%06d", shards.count)).tar.zst"
                try FileManager.default.createDirectory(at: dir.appendingPathComponent("shards/\(split)"), withIntermediateDirectories: true)
                let ref = try write(compressed, path)
                shards.append(ShardRecord(path: path, split: split, samples: group.count, bytes: compressed.count, sha256: ref.sha256,
                                          tarBytes: tarBytes.count, tarSHA256: SHA256Hasher.hex(tarBytes),
                                          firstKey: group.first!.record.key, lastKey: group.last!.record.key))
                start += perShard
            }
        }
        let zoo = Zoo(name: "test", description: "loader tests", models: models.map {
            ZooEntry(name: $0.model, labels: $0, scale: $0.scaleFactor!, architecture: .init(engine: "classical", config: [:]),
                     weights: nil, runnable: true)
        })
        let splitIds = { (s: String) in images.filter { $0.split == s }.map(\.id) }
        let imageList = ImageList(source: "procedural", seed: 3, images: images.map {
            ImageRecord(id: $0.id, width: $0.width, height: $0.height, sha256: "", origin: "procedural")
        })
        editIndex(&records)
        var index = [UInt8]()
        for r in records { index += try CanonicalJSON.encode(r) + [0x0A] }
        let indexRef = try write(index, "index.jsonl")
        let inputs = ReleaseManifest.Inputs(
            zoo: try write(try CanonicalJSON.encode(zoo, pretty: true), "zoo.json"),
            splits: try write(try CanonicalJSON.encode(Splits(train: splitIds("train"), val: splitIds("val"), test: splitIds("test")), pretty: true), "splits.json"),
            images: try write(try CanonicalJSON.encode(imageList, pretty: true), "images.json"),
            index: .init(path: "index.jsonl", sha256: indexRef.sha256, samples: records.count))
        var counts = [String: Int]()
        for r in records { counts[r.split, default: 0] += 1 }
        var manifest = ReleaseManifest(command: ["test"], seed: 3, inputs: inputs,
                                       png: .init(compressionLevel: 0, filter: "up", bandRows: frames == .perBand ? bandRows : nil),
                                       zstd: .init(level: 3, frames: frames), samplesPerShard: perShard, splitSamples: counts, unavailable: [],
                                       shards: shards)
        if frames == .single { manifest.formatVersion = 1 }
        if frames == .perSample { manifest.formatVersion = 2 }
        _ = try write(try CanonicalJSON.encode(manifest, pretty: true), "manifest.json")
        return dir
    }

    public static func options(_ edit: (inout LoaderOptions) -> Void = { _ in }) -> LoaderOptions {
        var o = LoaderOptions()
        o.patch = 32
        o.batchSize = 5
        edit(&o)
        return o
    }
}
