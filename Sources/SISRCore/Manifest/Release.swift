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
        let indexURL = url.appendingPathComponent(idx.path)
        let indexBytes = try load(.init(path: idx.path, sha256: idx.sha256))
        let samples = try parseIndex(indexBytes, path: indexURL.path)
        try checkConsistency(manifest: manifest, samples: samples, indexPath: indexURL.path)
        return Release(url: url, manifest: manifest, samples: samples, zoo: zoo, splits: splits, images: images)
    }

    /// The absolute location of shard number `i`.
    public func shardURL(_ i: Int) -> URL { url.appendingPathComponent(manifest.shards[i].path) }

    /// The samples of one split, in release order.
    public func samples(inSplit split: String) -> [SampleRecord] { samples.filter { $0.split == split } }

    /// Parses `index.jsonl` bytes (one JSON object per LF-terminated line).
    public static func parseIndex(_ bytes: [UInt8], path: String) throws -> [SampleRecord] {
        var lines = [ArraySlice<UInt8>]()
        var start = 0
        for (i, b) in bytes.enumerated() where b == 0x0A {
            lines.append(bytes[start..<i])
            start = i + 1
        }
        if start < bytes.count { lines.append(bytes[start...]) }
        // Fast path: one decode of all lines as a JSON array; on failure, find the bad line.
        var joined = [UInt8]()
        joined.reserveCapacity(bytes.count + 2)
        joined.append(UInt8(ascii: "["))
        for (i, l) in lines.enumerated() {
            if i > 0 { joined.append(UInt8(ascii: ",")) }
            joined.append(contentsOf: l)
        }
        joined.append(UInt8(ascii: "]"))
        if let all = try? JSONDecoder().decode([SampleRecord].self, from: Data(joined)) { return all }
        for (i, l) in lines.enumerated() {
            _ = try CanonicalJSON.decode(SampleRecord.self, from: Array(l), path: "\(path) line \(i + 1)")
        }
        throw SISRError.corrupt(path: path, problem: "cannot parse index (empty line or stray bytes)")
    }

    static func checkConsistency(manifest: ReleaseManifest, samples: [SampleRecord], indexPath: String) throws {
        guard samples.count == manifest.inputs.index.samples else {
            throw SISRError.corrupt(path: indexPath, problem: "has \(samples.count) samples, manifest.json says \(manifest.inputs.index.samples)")
        }
        var perShard = [Int](repeating: 0, count: manifest.shards.count)
        var keys = Set<String>()
        for (line, s) in samples.enumerated() {
            guard s.shard >= 0 && s.shard < manifest.shards.count else {
                throw SISRError.corrupt(path: "\(indexPath) line \(line + 1)", problem: "sample \(s.key) refers to shard \(s.shard), the manifest lists \(manifest.shards.count)")
            }
            guard manifest.shards[s.shard].split == s.split else {
                throw SISRError.corrupt(path: "\(indexPath) line \(line + 1)", problem: "sample \(s.key) is in split \(s.split) but its shard holds \(manifest.shards[s.shard].split)")
            }
            if manifest.zstd.frames.perSampleRegions {
                guard let offset = s.frameOffset, let size = s.frameSize, s.frameSHA256 != nil, offset >= 0, size > 0,
                      size <= manifest.shards[s.shard].bytes, offset <= manifest.shards[s.shard].bytes - size else {
                    throw SISRError.corrupt(path: "\(indexPath) line \(line + 1)", problem: "sample \(s.key) lacks a valid frame_offset/frame_size/frame_sha256 inside its \(manifest.shards[s.shard].bytes)-byte shard (format \(manifest.formatVersion))")
                }
            }
            guard keys.insert(s.key).inserted else {
                throw SISRError.corrupt(path: "\(indexPath) line \(line + 1)", problem: "sample key \(s.key) appears twice")
            }
            perShard[s.shard] += 1
        }
        for (i, sh) in manifest.shards.enumerated() where perShard[i] != sh.samples {
            throw SISRError.corrupt(path: indexPath, problem: "shard \(sh.path) has \(perShard[i]) samples in the index, manifest.json says \(sh.samples)")
        }
    }

    static func readFile(_ url: URL) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SISRError.io(path: url.path, problem: "file not found (is this a SISR release directory?)")
        }
        do { return [UInt8](try Data(contentsOf: url)) } catch {
            throw SISRError.io(path: url.path, problem: "cannot read file (\(error.localizedDescription))")
        }
    }
}
