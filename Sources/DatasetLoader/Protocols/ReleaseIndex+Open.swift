import Foundation
import SISRCore

extension ReleaseIndex {
    private struct ManifestFile: Decodable {
        struct Shard: Decodable {
            let path: String
            let split: String
            let sha256: String
            let tar_bytes: Int
            let tar_sha256: String
        }
        let format: String
        let format_version: Int
        let shards: [Shard]
    }

    private struct IndexLine: Decodable {
        let key: String
        let split: String
        let labels: [String: String]
        let width: Int
        let height: Int
        let shard: Int
        let png_offset: Int
        let png_size: Int
    }

    /// Reads `manifest.json` and `index.jsonl` of the release folder at `url`.
    /// - Throws: ``LoaderError/release(path:problem:)`` naming the file and the problem.
    public static func open(_ url: URL) throws -> ReleaseIndex {
        let manifestURL = url.appendingPathComponent("manifest.json")
        let indexURL = url.appendingPathComponent("index.jsonl")
        func read(_ u: URL) throws -> Data {
            do { return try Data(contentsOf: u) } catch {
                throw LoaderError.release(path: u.path, problem: "cannot read (\(error.localizedDescription))")
            }
        }
        let manifestData = try read(manifestURL)
        let manifest: ManifestFile
        do { manifest = try JSONDecoder().decode(ManifestFile.self, from: manifestData) } catch {
            throw LoaderError.release(path: manifestURL.path, problem: "invalid manifest (\(error))")
        }
        guard manifest.format == "sisr-release", manifest.format_version == 1 else {
            throw LoaderError.release(path: manifestURL.path, problem: "format \(manifest.format) version \(manifest.format_version) is not sisr-release 1")
        }
        let shards = manifest.shards.map {
            ShardInfo(path: $0.path, url: url.appendingPathComponent($0.path), sha256: $0.sha256, tarBytes: $0.tar_bytes, tarSHA256: $0.tar_sha256)
        }
        var samples = [Sample]()
        let decoder = JSONDecoder()
        var lineNumber = 0
        for line in try read(indexURL).split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            lineNumber += 1
            let r: IndexLine
            do { r = try decoder.decode(IndexLine.self, from: Data(line)) } catch {
                throw LoaderError.release(path: indexURL.path, problem: "line \(lineNumber) is invalid (\(error))")
            }
            guard shards.indices.contains(r.shard), manifest.shards[r.shard].split == r.split else {
                throw LoaderError.release(path: indexURL.path, problem: "line \(lineNumber) (\(r.key)) names shard \(r.shard), which is missing or of another split")
            }
            samples.append(Sample(key: r.key, split: r.split, labels: r.labels, width: r.width, height: r.height,
                                  shard: r.shard, pngOffset: r.png_offset, pngSize: r.png_size))
        }
        return ReleaseIndex(url: url, manifestSHA256: SHA256Hasher.hex(manifestData), shards: shards,
                            shardSplits: manifest.shards.map(\.split), samples: samples)
    }
}
