import Foundation
import SISRCore

/// One problem `verify` found: the file or sample it is about, and what is wrong.
public struct VerifyProblem: Sendable, Equatable, CustomStringConvertible {
    /// A release-relative file path, or `<shard path>:<sample key>` for a sample.
    public var subject: String
    public var problem: String
    public var description: String { "\(subject): \(problem)" }
}

/// What `verify` checked.
public struct VerifyReport: Sendable {
    public var shardsChecked = 0
    public var samplesChecked = 0
    public var problems = [VerifyProblem]()
    public var ok: Bool { problems.isEmpty }
}

/// Checks a release: the small files and every shard's SHA-256 against the manifest (fast), and
/// with `deep` every sample: members present at the recorded offsets, PNG and pixel SHA-256, size,
/// and the `.json` member equal to the index record with the zoo's labels.
public enum Verifier {
    public static func verify(_ root: URL, deep: Bool, onShard: (@Sendable (Int, Int) -> Void)? = nil) -> VerifyReport {
        var report = VerifyReport()
        let release: Release
        do { release = try Release.open(root) } catch {
            report.problems.append(VerifyProblem(subject: root.path, problem: "\(error)"))
            return report
        }
        report.problems += checkChecksumsFile(release)
        let bandRows = release.manifest.zstd.frames == .perBand ? release.manifest.png.bandRows : nil
        report.problems += unlistedFiles(release)
        let labels = expectedLabels(release)
        var byShard = [[SampleRecord]](repeating: [], count: release.manifest.shards.count)
        for s in release.samples { byShard[s.shard].append(s) }
        for (i, shard) in release.manifest.shards.enumerated() {
            defer { onShard?(i + 1, release.manifest.shards.count) }
            report.shardsChecked += 1
            let url = release.shardURL(i)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                report.problems.append(.init(subject: shard.path, problem: "shard file is missing"))
                continue
            }
            let bytes = [UInt8](data)
            if bytes.count != shard.bytes {
                report.problems.append(.init(subject: shard.path, problem: "size \(bytes.count) bytes, manifest says \(shard.bytes)"))
            } else if SHA256Hasher.hex(bytes) != shard.sha256 {
                report.problems.append(.init(subject: shard.path, problem: "SHA-256 does not match the manifest"))
            }
            if deep {
                report.samplesChecked += byShard[i].count
                report.problems += checkSamples(shard: shard, compressed: bytes, samples: byShard[i], labels: labels, bandRows: bandRows)
            }
        }
        return report
    }

    /// The files a release consists of: `manifest.json`, `CHECKSUMS`, the four files the manifest
    /// names in `inputs`, and its shards.
    static func listedFiles(_ r: Release) -> Set<String> {
        let i = r.manifest.inputs
        return Set(["manifest.json", "CHECKSUMS", i.zoo.path, i.splits.path, i.images.path, i.index.path] + r.manifest.shards.map(\.path))
    }

    /// Every file (or link, or anything but a folder) below the release root that `listedFiles`
    /// does not account for: a stray shard, a leftover temporary file, a build state folder.
    static func unlistedFiles(_ r: Release) -> [VerifyProblem] {
        let listed = listedFiles(r)
        let fm = FileManager.default
        guard let walk = fm.enumerator(atPath: r.url.path) else { return [] }
        var extra = [String]()
        for case let rel as String in walk where !listed.contains(rel) {
            var isDir: ObjCBool = false
            let full = r.url.appendingPathComponent(rel).path
            let isLink = (try? fm.destinationOfSymbolicLink(atPath: full)) != nil
            if !isLink, fm.fileExists(atPath: full, isDirectory: &isDir), isDir.boolValue { continue }
            extra.append(rel)
        }
        return extra.sorted().map { .init(subject: $0, problem: "not part of the release (manifest.json does not list it)") }
    }

    /// The labels every model's samples must carry: the zoo's, plus the reference samples'.
    static func expectedLabels(_ r: Release) -> [String: Labels] {
        var out = Dictionary(r.zoo.models.map { ($0.name, $0.labels) }, uniquingKeysWith: { a, _ in a })
        out[BuildPlan.hrModel] = BuildPlan.referenceLabels(model: BuildPlan.hrModel, scale: 1)
        for s in r.samples where s.labels.family == "reference" && s.model != BuildPlan.hrModel {
            if let f = s.labels.scaleFactor { out[s.model] = BuildPlan.referenceLabels(model: s.model, scale: f) }
        }
        return out
    }

    /// CHECKSUMS must list every shard and small file with the manifest's hashes.
    static func checkChecksumsFile(_ r: Release) -> [VerifyProblem] {
        let url = r.url.appendingPathComponent("CHECKSUMS")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            return [.init(subject: "CHECKSUMS", problem: "file is missing")]
        }
        let entries: [(path: String, sha256: String)]
        do { entries = try Checksums.parse([UInt8](data), path: "CHECKSUMS") } catch {
            return [.init(subject: "CHECKSUMS", problem: "\(error)")]
        }
        var problems = [VerifyProblem]()
        let listed = Dictionary(entries.map { ($0.path, $0.sha256) }, uniquingKeysWith: { a, _ in a })
        let i = r.manifest.inputs
        var expected = [(i.zoo.path, i.zoo.sha256), (i.splits.path, i.splits.sha256), (i.images.path, i.images.sha256),
                        (i.index.path, i.index.sha256)]
        expected += r.manifest.shards.map { ($0.path, $0.sha256) }
        for (path, sha) in expected where listed[path] != sha {
            problems.append(.init(subject: "CHECKSUMS", problem: listed[path] == nil ? "does not list \(path)" : "hash of \(path) differs from manifest.json"))
        }
        let known = Set(expected.map(\.0) + ["manifest.json"])
        for path in entries.map(\.path) where !known.contains(path) {
            problems.append(.init(subject: "CHECKSUMS", problem: "lists \(path), which manifest.json does not"))
        }
        if let m = listed["manifest.json"] {
            if let bytes = FileManager.default.contents(atPath: r.url.appendingPathComponent("manifest.json").path),
               SHA256Hasher.hex(bytes) != m {
                problems.append(.init(subject: "manifest.json", problem: "SHA-256 differs from CHECKSUMS"))
            }
        } else {
            problems.append(.init(subject: "CHECKSUMS", problem: "does not list manifest.json"))
        }
        return problems
    }

    static func checkSamples(shard: ShardRecord, compressed: [UInt8], samples: [SampleRecord],
                             labels: [String: Labels], bandRows: Int? = nil) -> [VerifyProblem] {
        let tar: [UInt8]
        do { tar = try Zstd.decompress(compressed, name: shard.path, maxOutput: shard.maxTarBytes) } catch {
            return [.init(subject: shard.path, problem: "cannot decompress: \(error)")]
        }
        var problems = [VerifyProblem]()
        if samples.contains(where: { $0.frameOffset != nil }) {
            problems += checkFrames(shard: shard, compressed: compressed, tar: tar, samples: samples, bandRows: bandRows)
        }
        if tar.count != shard.tarBytes || SHA256Hasher.hex(tar) != shard.tarSHA256 {
            problems.append(.init(subject: shard.path, problem: "decompressed tar differs from the manifest (tar_sha256/tar_bytes)"))
        }
        let entries: [TarEntry]
        do { entries = try TarReader.entries(tar, name: shard.path) } catch {
            return problems + [.init(subject: shard.path, problem: "\(error)")]
        }
        let byName = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        if entries.count != samples.count * 2 {
            problems.append(.init(subject: shard.path, problem: "has \(entries.count) members, expected \(samples.count * 2)"))
        }
        for s in samples {
            let subject = "\(shard.path):\(s.key)"
            func bad(_ p: String) { problems.append(.init(subject: subject, problem: p)) }
            guard let png = byName[s.key + ".png"], png.dataOffset == s.pngOffset, png.size == s.pngSize,
                  let json = byName[s.key + ".json"], json.dataOffset == s.jsonOffset, json.size == s.jsonSize
            else { bad("members missing or not at the offsets recorded in index.jsonl"); continue }
            let pngBytes = Array(tar[png.dataOffset..<(png.dataOffset + png.size)])
            if SHA256Hasher.hex(pngBytes) != s.pngSHA256 { bad("PNG bytes differ from png_sha256") }
            do {
                let img = try PNG.decode(pngBytes, name: subject + ".png")
                if img.width != s.width || img.height != s.height { bad("image is \(img.width)x\(img.height), index says \(s.width)x\(s.height)") }
                if img.pixelSHA256 != s.pixelSHA256 { bad("decoded pixels differ from pixel_sha256") }
            } catch { bad("PNG does not decode: \(error)") }
            if labels[s.model] != s.labels { bad("labels differ from the zoo entry of \(s.model)") }
            let jsonBytes = Array(tar[json.dataOffset..<(json.dataOffset + json.size)])
            if let expected = try? CanonicalJSON.encode(s.member), expected != jsonBytes {
                bad(".json member differs from the index record")
            }
        }
        return problems
    }
}
