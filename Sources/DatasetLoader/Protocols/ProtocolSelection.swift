import Foundation
import SISRCore

/// The samples of one split chosen by a protocol, with their class ids.
///
/// ```swift
/// let proto = try ExperimentProtocol.load(nameOrPath: "parsing-scale")
/// let release = try Release.open(url)
/// let train = try ProtocolSelection(release: release, protocol: proto, split: "train")
/// for (sample, id) in zip(train.samples, train.classIds) { ... train.classes[id] ... }
/// ```
public struct ProtocolSelection: Sendable {
    public let `protocol`: ExperimentProtocol
    public let split: String
    /// Selected samples in release order (`index.jsonl` order).
    public let samples: [SampleRecord]
    /// Class id of each sample (index into `classes`).
    public let classIds: [Int]
    /// Sorted (byte-wise) distinct values of the protocol's label over all splits of the protocol's models.
    public let classes: [String]

    /// Selects `split` (`train`, `val` or `test`) of `release` under `protocol`.
    /// - Throws: ``LoaderError/argument(_:)`` for an unknown split or a protocol that selects nothing at all.
    public init(release: Release, protocol proto: ExperimentProtocol, split: String) throws {
        guard ["train", "val", "test"].contains(split) else {
            throw LoaderError.argument("unknown split \"\(split)\"; expected train, val or test")
        }
        let used = release.samples.filter { proto.usesModel(labels: $0.labels) }
        guard !used.isEmpty else {
            throw LoaderError.argument("protocol \(proto.name) selects no sample of release \(release.url.path): it wants \(SelectionChecks.describe(proto.models)); the release has \(SelectionChecks.releaseValues(release, for: proto.models))")
        }
        let classSet = Set(used.map { $0.labels[proto.label]! })  // validate() allows only existing label names
        let classes = classSet.sorted(by: byteOrder)
        let ids = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let chosen = used.filter { $0.split == split && proto.selects(labels: $0.labels, split: split) }
        self.protocol = proto
        self.split = split
        self.classes = classes
        samples = chosen
        classIds = chosen.map { ids[$0.labels[proto.label]!]! }
    }
}

extension BatchLoader {
    /// A loader over `options.split` of the release at `url`, selected by a protocol (name or path; nil
    /// means every sample with label `model`).
    public convenience init(release url: URL, protocol nameOrPath: String? = nil, protocolDirectories: [URL] = [],
                            options: LoaderOptions) throws {
        let release = try Release.open(url)
        let proto = try nameOrPath.map { try ExperimentProtocol.load(nameOrPath: $0, directories: protocolDirectories) }
            ?? ExperimentProtocol.allModels
        try self.init(release: release, protocol: proto, options: options)
    }

    /// A loader over `options.split` of an opened release under `protocol`.
    public convenience init(release: Release, protocol proto: ExperimentProtocol, options: LoaderOptions) throws {
        let selection = try ProtocolSelection(release: release, protocol: proto, split: options.split)
        try SelectionChecks.splitNotEmpty(selection, release: release)
        let refs = zip(selection.samples, selection.classIds).map { SampleRef($0, classId: $1) }
        let manifestURL = release.url.appendingPathComponent("manifest.json")
        let manifestSHA256: String
        do { manifestSHA256 = try SHA256Hasher.hex(file: manifestURL) } catch {
            throw LoaderError.release(path: manifestURL.path, problem: "cannot read (\(error))")
        }
        let shards = release.manifest.shards.enumerated().map { i, s in
            ShardInfo(path: s.path, url: release.shardURL(i), sha256: s.sha256, tarBytes: s.tarBytes, tarSHA256: s.tarSHA256,
                      bandRows: release.manifest.zstd.frames == .perBand ? release.manifest.png.bandRows : nil)
        }
        try self.init(source: LoaderSource(manifestSHA256: manifestSHA256, split: options.split,
                                           shards: shards, samples: refs, classes: selection.classes,
                                           perSampleFrames: release.manifest.zstd.frames.perSampleRegions,
                                           perturbation: proto.perturbation.flatMap { $0.applies(to: options.split) ? $0 : nil }),
                      options: options)
    }

    /// The stored PNG bytes of a selected sample.
    public func pngBytes(key: String) throws -> [UInt8] {
        guard let ref = source.samples.first(where: { $0.key == key }) else {
            throw LoaderError.argument("sample \(key) is not in this loader's selection")
        }
        return try pngBytes(ref, frames: streams ? FrameReader() : nil)
    }

    /// The PNG bytes of `ref`: from its own frame with `frames` (streaming), else from the cached tar,
    /// the member's offsets and name checked (``SampleReader/member``).
    func pngBytes(_ ref: SampleRef, frames: FrameReader?) throws -> [UInt8] {
        if let frames { return try frames.png(ref, shard: source.shards[ref.shard], verify: options.verify) }
        return try store.tar(ref.shard).bytes.withUnsafeBytes {
            Array(try SampleReader.member(ref, bytes: $0, base: 0, shardPath: source.shards[ref.shard].path).png)
        }
    }
}
