import Foundation
import SISRCore

/// The paper's published corpus layout, imported into shards without running any model:
///
///     ROOT/HR-HR-HR-HR-HR/<image>.png      the source photos
///     ROOT/<model>/<image>.png             one folder per zoo model, same file names
///     ROOT/train-split.txt, val-split.txt, test-split.txt   one image per line (`<image>` or `<image>.png`)
///
/// ROOT is a folder or the downloaded archives (``ImportCorpus``); the checks and errors are the same.
///
/// Pixels are decoded and re-encoded as the release's PNG members (stored + Up); the recorded
/// `pixel_sha256` is that of the decoded source pixels, so they round-trip exactly. The HR images
/// become reference samples (`HR-HR-HR-HR-HR`).
public enum PaperCorpus {
    public static let hrFolder = "HR-HR-HR-HR-HR"
    public static let splitFiles = ["train": "train-split.txt", "val": "val-split.txt", "test": "test-split.txt"]

    static func plan(_ corpus: ImportCorpus, options o: BuildOptions) throws -> BuildPlan {
        guard corpus.isFolder(hrFolder) else {
            throw SISRError.io(path: corpus.path(hrFolder), problem: "the \(hrFolder) folder of source images is missing (not the paper's corpus layout?)")
        }
        let images = try ImageList(source: "import", seed: nil, images: ImageSource.records(
            names: try corpus.contents(of: hrFolder), folder: corpus.path(hrFolder), path: { corpus.path(hrFolder + "/" + $0) },
            read: { try corpus.readImage(hrFolder + "/" + $0) }))
        let splits = try readSplits(corpus, ids: images.images.map(\.id))
        let folders = try corpus.contents(of: "").filter { name in
            name != hrFolder && !name.hasPrefix(".") && corpus.isFolder(name)
        }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var entries = [ZooEntry]()
        for f in folders {
            guard let e = o.zoo.entry(named: f) else {
                throw SISRError.invalidArgument("\(corpus.path(f)): folder name is not a model of zoo \(o.zooName)")
            }
            if let wanted = o.models, !wanted.contains(f) { continue }
            for img in images.images where !corpus.isFile(f + "/" + img.origin) {
                throw SISRError.io(path: corpus.path(f + "/" + img.origin), problem: "missing (every model folder needs one PNG per HR image)")
            }
            entries.append(e)
        }
        var bySplit = [String: [PlannedSample]]()
        for split in Splits.names {
            var samples = [PlannedSample]()
            for id in splits[split]! {
                for e in entries { samples.append(.init(key: KeyRules.sampleKey(model: e.name, image: id), image: id, kind: .imported(e.name))) }
                samples.append(.init(key: KeyRules.sampleKey(model: BuildPlan.hrModel, image: id), image: id, kind: .hr))
            }
            bySplit[split] = samples
        }
        let shards = BuildPlan.cut(bySplit, seed: o.seed, samplesPerShard: o.samplesPerShard)
        return BuildPlan(command: o.command, seed: o.seed, samplesPerShard: o.samplesPerShard, zstdLevel: o.zstdLevel,
                         bandRows: o.bandRows, zoo: Zoo(name: o.zoo.name, description: o.zoo.description, models: entries),
                         images: images, splits: splits, unavailable: [],
                         referenceLabels: [BuildPlan.hrModel: BuildPlan.referenceLabels(model: BuildPlan.hrModel, scale: 1)],
                         shards: shards)
    }

    /// Loads HR image `record` of the corpus and checks it still has the recorded pixels.
    static func loadHR(_ corpus: ImportCorpus, _ record: ImageRecord) throws -> RGBImage {
        let rel = hrFolder + "/" + record.origin
        let img = try ImageSource.checked(try corpus.readImage(rel), name: corpus.path(rel))
        return try ImageSource.unchanged(img, record, name: corpus.path(rel))
    }

    /// Reads the three split files; every HR image must be in exactly one split.
    static func readSplits(_ corpus: ImportCorpus, ids: [String]) throws -> Splits {
        var lists = [String: [String]]()
        for (split, file) in splitFiles {
            guard let text = corpus.readText(file) else {
                throw SISRError.io(path: corpus.path(file), problem: "cannot read split file")
            }
            var ids = [String]()
            for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                var s = line.trimmingCharacters(in: .whitespacesAndNewlines)
                if s.lowercased().hasSuffix(".png") { s = String(s.dropLast(4)) }
                if s.isEmpty { continue }
                // The line itself is not echoed (the file may be anything).
                guard Splits.isValidID(s) else {
                    throw SISRError.corrupt(path: corpus.path(file), problem: "line \(n + 1) is not an image name (\(Splits.idRule), optionally followed by .png)")
                }
                ids.append(s)
            }
            lists[split] = ids.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        }
        let splits = Splits(train: lists["train"]!, val: lists["val"]!, test: lists["test"]!)
        try splits.validate(path: corpus.path(""))
        let listed = Set(splits.train + splits.val + splits.test), have = Set(ids)
        if let extra = listed.first(where: { !have.contains($0) }) {
            throw SISRError.invalidArgument("\(corpus.path("")): split files list \(extra), which is not in \(hrFolder)")
        }
        if let missing = ids.first(where: { !listed.contains($0) }) {
            throw SISRError.invalidArgument("\(corpus.path("")): image \(missing) is in no split file")
        }
        return splits
    }
}
