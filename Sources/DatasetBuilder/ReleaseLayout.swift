import Foundation
import SISRCore

/// Files of a release directory and of a build in progress (`.sisr-build/`).
struct ReleaseLayout {
    let root: URL
    static let releaseFiles = ["manifest.json", "CHECKSUMS", "index.jsonl", "zoo.json", "splits.json", "images.json"]
    static let stateDirectory = ReleaseFolder.buildStateDirectory

    var state: URL { root.appendingPathComponent(Self.stateDirectory) }
    var planURL: URL { state.appendingPathComponent("plan.json") }
    func markerURL(_ s: PlannedShard) -> URL { state.appendingPathComponent("done/\(s.index).json") }
    func url(_ path: String) -> URL { root.appendingPathComponent(path) }
    private var fm: FileManager { .default }

    /// Refuses to touch a finished release or a build of a different plan unless `force`;
    /// with `force` removes them. Then records the plan (or checks it matches the recorded one).
    /// `cleanTemporaries` removes leftovers of killed writers; only safe when no other worker
    /// writes into the same folder.
    /// - Returns: the manifest if `root` already holds the finished release of this plan (a rerun,
    ///   or a build killed after finalize wrote `manifest.json`); nil if the build should run.
    func prepare(plan: BuildPlan, planBytes: [UInt8], force: Bool, cleanTemporaries: Bool) throws -> ReleaseManifest? {
        if fm.fileExists(atPath: url("manifest.json").path) {
            if !force, let manifest = try finishedRelease(of: plan) {
                // manifest.json is written last, so the release is whole; only cleanup may be left.
                removeBuildState()
                if cleanTemporaries { removeTemporaryFiles() }
                return manifest
            }
            if !force, let existing = fm.contents(atPath: planURL.path), [UInt8](existing) == planBytes {
                return nil  // finalize was killed while writing manifest.json: the rerun finalizes again
            }
            guard force else {
                throw SISRError.invalidArgument("\(root.path) already holds a release (manifest.json); pass --force to replace it or choose another --out")
            }
            removeRelease()
        }
        if cleanTemporaries { removeTemporaryFiles() }
        if let existing = fm.contents(atPath: planURL.path) {
            if [UInt8](existing) == planBytes { return nil }
            guard force else {
                let diff = PlanDifference.describe(old: [UInt8](existing), new: planBytes)
                let what = diff.isEmpty ? "different options" : "different options (" + diff.joined(separator: "; ") + ")"
                throw SISRError.invalidArgument("\(root.path) holds an unfinished build of \(what) (\(planURL.path)); pass --force to discard it, or rerun with the same options to resume")
            }
            removeRelease()
        }
        try AtomicFile.write(planBytes, to: planURL)
        return nil
    }

    /// The manifest of the release in `root` if it is the finished release of `plan`: it opens
    /// (small files match their hashes), was made by the same command and seed from the same zoo,
    /// splits and images, holds the plan's shards and sample keys in order, and every shard file has
    /// the size the manifest records. nil if it is another release (or no valid release).
    /// - Throws: if it is this plan's release but a shard file is missing or the wrong size.
    func finishedRelease(of plan: BuildPlan) throws -> ReleaseManifest? {
        guard let release = try? Release.open(root) else { return nil }
        let m = release.manifest
        func hash<T: Encodable>(_ v: T) -> String? { (try? CanonicalJSON.encode(v, pretty: true)).map { SHA256Hasher.hex($0) } }
        guard m.formatVersion == ReleaseManifest.currentFormatVersion, m.png.bandRows == plan.rowsPerBand,
              m.command == plan.command, m.seed == plan.seed, m.samplesPerShard == plan.samplesPerShard,
              m.zstd.level == plan.zstdLevel, m.unavailable == plan.unavailable,
              m.inputs.zoo.sha256 == hash(plan.zoo), m.inputs.splits.sha256 == hash(plan.splits),
              m.inputs.images.sha256 == hash(plan.images),
              m.shards.map(\.path) == plan.shards.map(\.path),
              release.samples.map(\.key) == plan.shards.flatMap({ $0.samples.map(\.key) })
        else { return nil }
        for s in m.shards where fileSize(s.path) != s.bytes {
            throw SISRError.invalidArgument("\(root.path) holds the finished release of these options, but \(s.path) is missing or not \(s.bytes) bytes; run `sisr verify \(root.path)`, or pass --force to rebuild it")
        }
        return m
    }

    /// Removes temporary files a killed writer left behind (`.<name>.tmp-<pid>`, see `AtomicFile`).
    func removeTemporaryFiles() {
        guard let e = fm.enumerator(atPath: root.path) else { return }
        for case let rel as String in e {
            let name = (rel as NSString).lastPathComponent
            if name.hasPrefix("."), name.contains(".tmp-"), rel.hasPrefix("shards/") || rel.hasPrefix(Self.stateDirectory + "/") || !rel.contains("/") {
                try? fm.removeItem(at: url(rel))
            }
        }
    }

    func readPlan() throws -> BuildPlan {
        guard let bytes = fm.contents(atPath: planURL.path) else {
            throw SISRError.io(path: planURL.path, problem: "no build in progress here (run `sisr build --worker I --workers N --out \(root.path)` first)")
        }
        return try CanonicalJSON.decode(BuildPlan.self, from: [UInt8](bytes), path: planURL.path)
    }

    func marker(_ s: PlannedShard) throws -> ShardMarker? {
        guard let bytes = fm.contents(atPath: markerURL(s).path) else { return nil }
        let m = try CanonicalJSON.decode(ShardMarker.self, from: [UInt8](bytes), path: markerURL(s).path)
        return m.shard.path == s.path && m.samples.map(\.key) == s.samples.map(\.key) ? m : nil
    }

    func fileSize(_ path: String) -> Int? {
        (try? fm.attributesOfItem(atPath: url(path).path)[.size] as? NSNumber)?.intValue
    }

    /// True if the shard file and its marker exist and the file's SHA-256 is the marker's.
    func isDone(_ s: PlannedShard) throws -> Bool {
        guard let m = try marker(s), fileSize(s.path) == m.shard.bytes else { return false }
        return (try? SHA256Hasher.hex(file: url(s.path))) == m.shard.sha256
    }

    /// Puts a finished shard in place (temp name + rename), then its marker.
    func commit(shard: PlannedShard, bytes: [UInt8], marker: ShardMarker) throws {
        try AtomicFile.write(bytes, to: url(shard.path))
        try AtomicFile.write(try CanonicalJSON.encode(marker), to: markerURL(shard))
    }

    func write(_ name: String, _ bytes: [UInt8]) throws { try AtomicFile.write(bytes, to: url(name)) }

    func removeBuildState() {
        // The markers go first, the plan last, so a kill in between leaves a plan with fewer
        // finished shards (resumed), never markers without their plan.
        KillPoint.reached()
        try? fm.removeItem(at: state.appendingPathComponent("done"))
        KillPoint.reached()
        try? fm.removeItem(at: state)
        KillPoint.reached()
    }

    /// Removes exactly the files a release or build consists of (never anything else in `root`).
    func removeRelease() {
        for f in Self.releaseFiles { try? fm.removeItem(at: url(f)) }
        try? fm.removeItem(at: url("shards"))
        removeBuildState()
    }
}

/// `CHECKSUMS`: `sha256sum -c` format, one `<hex>  <path>` line per file, sorted by path bytes.
public enum Checksums {
    public static func format(_ entries: [(path: String, sha256: String)]) -> [UInt8] {
        let sorted = entries.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
        return Array(sorted.map { "\($0.sha256)  \($0.path)\n" }.joined().utf8)
    }

    /// Parses CHECKSUMS text into (path, sha256) pairs; errors name the line.
    public static func parse(_ bytes: [UInt8], path: String) throws -> [(path: String, sha256: String)] {
        var out = [(path: String, sha256: String)]()
        for (i, line) in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 64, parts[1].hasPrefix(" ") || parts[1].hasPrefix("*") else {
                throw SISRError.corrupt(path: path, problem: "line \(i + 1) is not `<sha256>  <path>`")
            }
            out.append((String(parts[1].dropFirst()), String(parts[0])))
        }
        return out
    }
}
