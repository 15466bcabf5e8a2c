import Foundation

/// A release on disk, opened: `manifest.json`, `index.jsonl`, `zoo.json`, `splits.json` and
/// `images.json` parsed and cross-checked (hashes of the small files against the manifest, sample
/// counts, shard references). Shards themselves are not read; `sisr verify` does that.
public struct Release: Sendable {
    public let url: URL
    public let manifest: ReleaseManifest
    /// Every sample, in release order (`index.jsonl` line order).
    public let samples: [SampleRecord]
    public let zoo: Zoo
    public let splits: Splits
    public let images: ImageList

    /// Opens the release in directory `url`.
    /// - Parameter checkHashes: compare the SHA-256 of `index.jsonl`, `zoo.json`, `splits.json` and
    ///   `images.json` with the manifest (cheap; on by default).
    /// - Throws: `SISRError` naming the file and problem (missing file, bad JSON with line number,
    ///   unsupported format version, hash mismatch, inconsistent counts).
    public static func open(_ url: URL, checkHashes: Bool = true) throws -> Release {
        var samples = [SampleRecord]()
        let release = try scan(url, checkHashes: checkHashes) { samples.append($0) }
        return Release(url: url, manifest: release.manifest, samples: samples, zoo: release.zoo, splits: release.splits,
                       images: release.images)
    }

    /// Reads and checks what ``open(_:checkHashes:)`` does, but passes each sample to `body` (in
    /// index order, once checked) instead of keeping it: the result's `samples` is empty. For
    /// readers that keep a small part of each record (the loader at corpus scale).
    public static func scan(_ url: URL, checkHashes: Bool = true, samples body: (SampleRecord) throws -> Void) throws -> Release {
        try ReleaseFolder.check(url)
        let manifestURL = url.appendingPathComponent("manifest.json")
        let manifestBytes = try readFile(manifestURL)
        let manifest = try CanonicalJSON.decode(ReleaseManifest.self, from: manifestBytes, path: manifestURL.path)
        guard manifest.format == ReleaseManifest.formatName else {
            throw SISRError.corrupt(path: manifestURL.path, problem: "not a SISR release manifest (format \"\(manifest.format)\")")
        }
        let readable = ReleaseManifest.readableFormatVersions
        guard readable.contains(manifest.formatVersion) else {
            throw SISRError.corrupt(path: manifestURL.path, problem: "format_version \(manifest.formatVersion) is not supported by this tool (it reads \(readable.lowerBound)-\(readable.upperBound)); update sisr")
        }
        guard ReleaseManifest.frames(ofVersion: manifest.formatVersion) == manifest.zstd.frames else {
            throw SISRError.corrupt(path: manifestURL.path, problem: "format_version \(manifest.formatVersion) does not match zstd.frames (format 1 has one frame per shard, format 2 one per sample, format 3 one per band of rows)")
        }
        if manifest.zstd.frames == .perBand {
            guard let rows = manifest.png.bandRows, (1...(1 << 16)).contains(rows) else {
                throw SISRError.corrupt(path: manifestURL.path, problem: "format 3 needs png.band_rows between 1 and 65536 (got \(manifest.png.bandRows.map(String.init) ?? "none"))")
            }
        }
        func load(_ ref: ReleaseManifest.FileRef) throws -> [UInt8] {
            let u = url.appendingPathComponent(ref.path)
            let b = try readFile(u)
            if checkHashes {
                let h = SHA256Hasher.hex(b)
                guard h == ref.sha256 else {
                    throw SISRError.corrupt(path: u.path, problem: "SHA-256 \(h) does not match manifest.json (\(ref.sha256))")
                }
            }
            return b
        }
        let zooRef = manifest.inputs.zoo, splitsRef = manifest.inputs.splits, imagesRef = manifest.inputs.images
        let zoo = try CanonicalJSON.decode(Zoo.self, from: load(zooRef), path: url.appendingPathComponent(zooRef.path).path)
        let splits = try CanonicalJSON.decode(Splits.self, from: load(splitsRef), path: url.appendingPathComponent(splitsRef.path).path)
        let images = try CanonicalJSON.decode(ImageList.self, from: load(imagesRef), path: url.appendingPathComponent(imagesRef.path).path)
        let idx = manifest.inputs.index
        try ReleaseIndex.forEach(url.appendingPathComponent(idx.path), manifest: manifest, sha256: checkHashes ? idx.sha256 : nil, body)
        return Release(url: url, manifest: manifest, samples: [], zoo: zoo, splits: splits, images: images)
    }

    /// The absolute location of shard number `i`.
    public func shardURL(_ i: Int) -> URL { url.appendingPathComponent(manifest.shards[i].path) }

    /// The samples of one split, in release order.
    public func samples(inSplit split: String) -> [SampleRecord] { samples.filter { $0.split == split } }

    static func readFile(_ url: URL) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SISRError.io(path: url.path, problem: "file not found (is this a SISR release directory?)")
        }
        do { return [UInt8](try Data(contentsOf: url)) } catch {
            throw SISRError.io(path: url.path, problem: "cannot read file (\(error.localizedDescription))")
        }
    }
}
