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
        var builder = try Builder<SampleRecord>(protocol: proto, split: split)
        for s in release.samples { builder.add(s) { $0 } }
        guard builder.usesAny else { throw Self.selectsNothing(release, proto) }
        let (chosen, ids, classes) = builder.finish()
        self.protocol = proto
        self.split = split
        self.classes = classes
        samples = chosen
        classIds = ids
    }

    static func selectsNothing(_ release: Release, _ proto: ExperimentProtocol) -> LoaderError {
        LoaderError.argument("protocol \(proto.name) selects no sample of release \(release.url.path): it wants \(SelectionChecks.describe(proto.models)); the release has \(SelectionChecks.releaseValues(release, for: proto.models))")
    }

    /// The selection made one sample at a time, in index order, keeping for each chosen sample only
    /// what `keep` makes of it (the loader keeps a ``SampleRef``, not the whole record).
    struct Builder<Item> {
        let proto: ExperimentProtocol
        let split: String
        private var classNumbers = [String: Int]()  // class value -> number in order of first use
        private var chosen = [(item: Item, classNumber: Int)]()
        /// The protocol uses at least one sample of the release (in any split).
        private(set) var usesAny = false

        init(protocol proto: ExperimentProtocol, split: String) throws {
            guard ["train", "val", "test"].contains(split) else {
                throw LoaderError.argument("unknown split \"\(split)\"; expected train, val or test")
            }
            self.proto = proto
            self.split = split
        }

        mutating func add(_ s: SampleRecord, _ keep: (SampleRecord) -> Item) {
            guard proto.usesModel(labels: s.labels) else { return }
            usesAny = true
            let value = s.labels[proto.label]!  // validate() allows only existing label names
            let number = classNumbers[value] ?? { classNumbers[value] = classNumbers.count; return classNumbers.count - 1 }()
            if s.split == split && proto.selects(labels: s.labels, split: split) { chosen.append((keep(s), number)) }
        }

        /// Chosen items in index order, their class ids, and the classes: the label's values over
        /// every sample the protocol uses, sorted byte-wise.
        func finish() -> (items: [Item], classIds: [Int], classes: [String]) {
            let classes = classNumbers.keys.sorted(by: byteOrder)
            let rank = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
            var id = [Int](repeating: 0, count: classNumbers.count)
            for (value, number) in classNumbers { id[number] = rank[value]! }
            return (chosen.map(\.item), chosen.map { id[$0.classNumber] }, classes)
        }
    }
}

extension BatchLoader {
    /// A loader over `options.split` of the release at `url`, selected by a protocol (name or path; nil
    /// means every sample with label `model`).
    public convenience init(release url: URL, protocol nameOrPath: String? = nil, protocolDirectories: [URL] = [],
                            options: LoaderOptions) throws {
        let proto = try nameOrPath.map { try ExperimentProtocol.load(nameOrPath: $0, directories: protocolDirectories) }
            ?? ExperimentProtocol.allModels
        // The index is streamed: only the chosen samples' places are kept (memory per selected sample,
        // not per record of the release).
        var builder = try ProtocolSelection.Builder<SampleRef>(protocol: proto, split: options.split)
        let release = try Release.scan(url) { builder.add($0) { SampleRef($0, classId: 0) } }
        let (chosen, classIds, classes) = builder.finish()
        if chosen.isEmpty {  // the error that says why needs the whole release (the rare, failing case)
            let full = try Release.open(url)
            try SelectionChecks.splitNotEmpty(try ProtocolSelection(release: full, protocol: proto, split: options.split), release: full)
        }
        try self.init(release: release, protocol: proto, options: options, classes: classes,
                      samples: zip(chosen, classIds).map { $0.with(classId: $1) })
    }

    /// A loader over `options.split` of an opened release under `protocol`.
    public convenience init(release: Release, protocol proto: ExperimentProtocol, options: LoaderOptions) throws {
        let selection = try ProtocolSelection(release: release, protocol: proto, split: options.split)
        try SelectionChecks.splitNotEmpty(selection, release: release)
        try self.init(release: release, protocol: proto, options: options, classes: selection.classes,
                      samples: zip(selection.samples, selection.classIds).map { SampleRef($0, classId: $1) })
    }

    private convenience init(release: Release, protocol proto: ExperimentProtocol, options: LoaderOptions, classes: [String],
                             samples refs: [SampleRef]) throws {
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
                                           shards: shards, samples: refs, classes: classes,
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
