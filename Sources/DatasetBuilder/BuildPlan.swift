import Foundation
import SISRCore
import SRModels

/// The options that decide a build's output. Run-only options (output folder, threads, worker
/// index, --force) live elsewhere so they cannot change the bytes.
public struct BuildOptions: Sendable, Equatable {
    public var images: ImageSource = .defaultProcedural
    /// The zoo and how to name it in the command (`demo` or the zoo file's name).
    public var zoo: Zoo = DemoZoo.zoo
    public var zooName: String = "demo"
    /// Only these models (nil: every model of the zoo).
    public var models: [String]? = nil
    /// A frozen splits file to use (nil: derive 80/10/10 from the seed).
    public var splits: Splits? = nil
    public var splitsName: String? = nil
    public var seed: UInt64 = 0
    public var samplesPerShard: Int = 64
    public var zstdLevel: Int = 9
    /// Rows per band of the PNG members and their zstd frames (format 3, docs/FORMAT.md).
    public var bandRows: Int = ReleaseManifest.defaultBandRows
    /// Also store each source HR image and each LR input as reference samples (family `reference`).
    public var keepReference: Bool = false
    /// Folder with weight files (the zoo's `weights.file` names are looked up inside it).
    public var weightsDirectory: URL? = nil
    /// Import mode: the paper's folder-per-model corpus, a folder or its archives (see ``PaperCorpus``),
    /// instead of running models.
    public var importCorpus: ImportCorpus? = nil

    public init() {}

    /// Where the zoo's models come from (SRModels builds them; the builder only asks).
    var modelFactory: ModelFactory { ModelFactory(weightsDirectory: weightsDirectory) }

    /// The canonical command recorded in the manifest.
    public var command: [String] {
        // `--band-rows` only when it is not the default, so default commands stay as they were.
        let bands = bandRows == ReleaseManifest.defaultBandRows ? [] : ["--band-rows", "\(bandRows)"]
        if let corpus = importCorpus {
            return ["sisr", "import"] + corpus.names + ["--zoo", zooName, "--seed", "\(seed)",
                    "--samples-per-shard", "\(samplesPerShard)", "--zstd-level", "\(zstdLevel)"] + bands
        }
        var c = ["sisr", "build"] + images.commandArguments + ["--zoo", zooName]
        if let m = models { c += ["--models", m.joined(separator: ",")] }
        if let s = splitsName { c += ["--splits", s] }
        c += ["--seed", "\(seed)", "--samples-per-shard", "\(samplesPerShard)", "--zstd-level", "\(zstdLevel)"] + bands
        if keepReference { c.append("--keep-reference") }
        return c
    }
}

/// What one sample is made from.
public enum SampleKind: Codable, Sendable, Equatable {
    /// The output of zoo model `model` on image `image`.
    case model(String)
    /// The source HR image itself.
    case hr
    /// The LR input at a scale.
    case lr(Int)
    /// An existing output of zoo model `model` read from the imported corpus (`<root>/<model>/<image>.png`).
    case imported(String)
}

/// One planned sample: key, image, split and what produces it.
public struct PlannedSample: Codable, Sendable, Equatable {
    public var key: String
    public var image: String
    public var kind: SampleKind
}

/// One planned shard: its path, split, and samples in order.
public struct PlannedShard: Codable, Sendable, Equatable {
    public var index: Int
    public var path: String
    public var split: String
    public var samples: [PlannedSample]
}

/// Everything a worker or `--finalize` needs, fixed before any pixel is computed. Stored as
/// `.sisr-build/plan.json` while a build is in progress.
public struct BuildPlan: Codable, Sendable, Equatable {
    public var command: [String]
    public var seed: UInt64
    public var samplesPerShard: Int
    public var zstdLevel: Int
    /// Rows per PNG band (format 3); nil in plans written before format 3 means the default.
    public var bandRows: Int? = nil
    public var zoo: Zoo
    public var images: ImageList
    public var splits: Splits
    public var unavailable: [ReleaseManifest.UnavailableModel]
    public var referenceLabels: [String: Labels]
    public var shards: [PlannedShard]

    /// Rows per PNG band this plan writes.
    public var rowsPerBand: Int { bandRows ?? ReleaseManifest.defaultBandRows }

    /// The reference model names used for `--keep-reference` samples.
    public static let hrModel = "HR-HR-HR-HR-HR"
    public static func lrModel(_ scale: Int) -> String { "LR-NA-x\(scale)-NA-NA" }

    /// Labels of reference samples.
    public static func referenceLabels(model: String, scale: Int) -> Labels {
        Labels(model: model, architecture: scale == 1 ? "HR" : "LR", scale: "x\(scale)", loss: "NA", dataset: "NA",
               seed: "NA", pretrained: "NA", family: "reference")
    }

    /// Makes the plan: lists and checks the images (on `threads` threads), picks the models (unrunnable ones are listed
    /// as unavailable), splits by image, orders each split's samples by SHA-256(salt || key) and
    /// cuts them into shards of `samplesPerShard`.
    public static func make(_ o: BuildOptions, threads: Int = 1) throws -> BuildPlan {
        guard o.samplesPerShard >= 1 else { throw SISRError.invalidArgument("--samples-per-shard must be at least 1") }
        guard (1...22).contains(o.zstdLevel) else { throw SISRError.invalidArgument("--zstd-level must be 1...22") }
        guard (1...4096).contains(o.bandRows) else { throw SISRError.invalidArgument("--band-rows must be 1...4096") }
        try o.zoo.validate(path: o.zooName)
        if let corpus = o.importCorpus { return try PaperCorpus.plan(corpus, options: o) }
        var entries = o.zoo.models
        if let wanted = o.models {
            entries = try wanted.map { name in
                guard let e = o.zoo.entry(named: name) else {
                    let hint = o.zooName == "demo" ? "; the paper's 205 models are in --zoo paper" : ""
                    throw SISRError.invalidArgument("model \(name) is not in zoo \(o.zooName) (\(o.zoo.models.count) models, e.g. \(o.zoo.models.prefix(3).map(\.name).joined(separator: ", "))\(hint); `sisr zoo --zoo \(o.zooName)` lists them)")
                }
                return e
            }
        }
        let images = try o.images.list(threads: threads)
        let ids = images.images.map(\.id)
        let splits: Splits
        if let s = o.splits {
            let listed = Set(s.train + s.val + s.test)
            if let missing = ids.first(where: { !listed.contains($0) }) {
                throw SISRError.invalidArgument("image \(missing) is in no split of \(o.splitsName ?? "the splits file")")
            }
            let have = Set(ids)
            splits = Splits(train: s.train.filter(have.contains), val: s.val.filter(have.contains), test: s.test.filter(have.contains))
        } else {
            splits = Splits.derive(ids: ids, seed: o.seed, name: "images")
        }
        let factory = o.modelFactory
        var unavailable = [ReleaseManifest.UnavailableModel]()
        var runnable = [ZooEntry]()
        for e in entries {
            if let r = factory.unavailableReason(e) { unavailable.append(.init(model: e.name, reason: r)) } else { runnable.append(e) }
        }
        var refLabels = [String: Labels]()
        if o.keepReference {
            refLabels[hrModel] = referenceLabels(model: hrModel, scale: 1)
            for s in Set(runnable.map(\.scale)) { refLabels[lrModel(s)] = referenceLabels(model: lrModel(s), scale: s) }
        }
        var bySplit = [String: [PlannedSample]]()
        for split in Splits.names {
            var samples = [PlannedSample]()
            for id in splits[split]! {
                for e in runnable { samples.append(.init(key: KeyRules.sampleKey(model: e.name, image: id), image: id, kind: .model(e.name))) }
                if o.keepReference {
                    samples.append(.init(key: KeyRules.sampleKey(model: hrModel, image: id), image: id, kind: .hr))
                    for s in Set(runnable.map(\.scale)).sorted() {
                        samples.append(.init(key: KeyRules.sampleKey(model: lrModel(s), image: id), image: id, kind: .lr(s)))
                    }
                }
            }
            bySplit[split] = samples
        }
        let shards = cut(bySplit, seed: o.seed, samplesPerShard: o.samplesPerShard)
        guard !shards.isEmpty else {
            throw SISRError.invalidArgument("nothing to build: no runnable model (\(unavailable.count) unavailable" + (unavailable.first.map { ", e.g. \($0.model): \($0.reason)" } ?? "") + ")")
        }
        return BuildPlan(command: o.command, seed: o.seed, samplesPerShard: o.samplesPerShard, zstdLevel: o.zstdLevel,
                         bandRows: o.bandRows,
                         zoo: Zoo(name: o.zoo.name, description: o.zoo.description, models: entries), images: images,
                         splits: splits, unavailable: unavailable, referenceLabels: refLabels, shards: shards)
    }

    /// Orders each split's samples and cuts them into numbered shards (train, val, test).
    static func cut(_ bySplit: [String: [PlannedSample]], seed: UInt64, samplesPerShard: Int) -> [PlannedShard] {
        var shards = [PlannedShard]()
        for split in Splits.names {
            let ordered = order(bySplit[split] ?? [], seed: seed, split: split)
            var start = 0, number = 0
            while start < ordered.count {
                let end = min(start + samplesPerShard, ordered.count)
                shards.append(PlannedShard(index: shards.count, path: shardPath(split: split, number: number), split: split,
                                           samples: Array(ordered[start..<end])))
                start = end
                number += 1
            }
        }
        return shards
    }

    /// `shards/<split>/sisr-<split>-NNNNNN.tar.zst`.
    public static func shardPath(split: String, number: Int) -> String {
        let n = String(number)
        return "shards/\(split)/sisr-\(split)-" + String(repeating: "0", count: max(0, 6 - n.count)) + n + ".tar.zst"
    }

    /// Stable order independent of how the plan was built: by SHA-256 of `sisr-order|<seed>|<split>|<key>`.
    static func order(_ samples: [PlannedSample], seed: UInt64, split: String) -> [PlannedSample] {
        samples.map { (SHA256Hasher.hex(Array("sisr-order|\(seed)|\(split)|\($0.key)".utf8)), $0) }
            .sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// The shards worker `worker` of `workers` builds: global shard index modulo `workers`.
    public func shards(worker: Int, of workers: Int) -> [PlannedShard] {
        shards.filter { $0.index % workers == worker }
    }
}
