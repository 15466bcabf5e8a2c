import ArgumentParser
import DatasetBuilder
import Foundation
import SISRCore

extension SISRCommand {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pack the paper's folder-per-model corpus (HR-HR-HR-HR-HR, <model>/, *-split.txt) into release shards.",
            discussion: """
                The corpus is a folder, or the downloaded archives read in place without unpacking \
                (\(ImportCorpus.archiveSuffixes.joined(separator: ", "))): one archive of the whole corpus, \
                or several (e.g. one per model) whose members together form the corpus. zip and plain tar are \
                read by seeking to each member; a compressed tar has no random access (each member is found \
                by decompressing from the start), so decompress a large one first (`gunzip corpus.tar.gz` \
                gives corpus.tar, still one file). Pixels round-trip exactly, and an archive gives the same \
                release as its unpacked folder. Many machines: run `sisr import CORPUS --worker I --workers N \
                --out DIR` on each, then `sisr import --finalize --out DIR` once (the same as `sisr build --finalize`).
                """)

        @Argument(help: "Corpus folder (one folder per model named as in the zoo, plus HR-HR-HR-HR-HR and the split files), or its archives.")
        var corpus: [String] = []
        @Option(help: "Release folder to write.") var out = "release"
        @Option(help: "`paper` (manifests/zoo.json), `demo`, or a zoo JSON file naming the model folders.") var zoo = "paper"
        @Option(help: "Only these model folders (comma-separated).") var models: String?
        @Option(help: "Release seed (sample order).") var seed: UInt64 = 0
        @Option(help: "Samples per shard.") var samplesPerShard = 64
        @Option(help: "zstd level of the shards.") var zstdLevel = 9
        @Option(help: "Rows per band of the PNG members (one zstd frame per band; docs/FORMAT.md).") var bandRows = ReleaseManifest.defaultBandRows
        @OptionGroup var threads: ThreadsOption
        @Option(help: "This machine's index (default: from Slurm or Kubernetes variables).") var worker: Int?
        @Option(help: "Number of machines.") var workers: Int?
        @Flag(help: "Merge the finished workers' shards into the release (after all workers are done).") var finalize = false
        @Flag(help: "Replace an existing release in --out.") var force = false

        func validate() throws {
            if finalize {
                guard corpus.isEmpty else { throw ValidationError("--finalize takes no corpus: sisr import --finalize --out DIR") }
                return
            }
            guard !corpus.isEmpty else { throw ValidationError("missing the corpus folder or archives: sisr import CORPUS... [--out DIR]") }
            if corpus.count == 1, !ImportCorpus.isArchiveName(corpus[0]) {
                try Build.checkFolder(corpus[0], option: "corpus")
            } else {
                for path in corpus {
                    guard ImportCorpus.isArchiveName(path) else {
                        throw ValidationError("corpus \(path): give one corpus folder, or archives (\(ImportCorpus.archiveSuffixes.joined(separator: ", ")))")
                    }
                    var isDir: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else {
                        throw ValidationError("corpus \(path): no such archive file")
                    }
                }
            }
            _ = try Build.workerIndex(worker: worker, workers: workers, env: ProcessInfo.processInfo.environment)
        }

        func run() throws {
            if finalize {
                let m = try DatasetBuilder.finalize(outDirectory: URL(fileURLWithPath: out))
                print("Finalized \(out): \(m.inputs.index.samples) samples in \(m.shards.count) shards. Verify: sisr verify \(out) --deep")
                try warnMissingPSNR()
                return
            }
            var o = BuildOptions()
            o.importCorpus = try ImportCorpus.open(corpus)
            (o.zoo, o.zooName) = try ZooSource.load(zoo)
            o.models = models.map { $0.split(separator: ",").map(String.init) }
            o.seed = seed
            o.samplesPerShard = samplesPerShard
            o.zstdLevel = zstdLevel
            o.bandRows = bandRows
            let (w, n) = try Build.workerIndex(worker: worker, workers: workers, env: ProcessInfo.processInfo.environment)
            var run = RunOptions(outDirectory: URL(fileURLWithPath: out))
            run.threads = threads.count
            run.worker = w
            run.workers = n
            run.force = force
            let plan = try BuildPlan.make(o)
            let progress = ProgressReporter(total: plan.shards(worker: w, of: n).reduce(0) { $0 + $1.samples.count }, label: "import")
            run.onSample = { progress.advance() }
            let report = try DatasetBuilder.execute(plan, options: o, run: run)
            progress.finish()
            print("Imported \(report.samplesRendered) samples into \(report.shardsBuilt) shards (\(report.shardsSkipped) already done).")
            if report.manifest != nil {
                print("Release written to \(out). Verify: sisr verify \(out) --deep")
                try warnMissingPSNR()
            } else {
                print("Worker \(w) of \(n) done. When all are done: sisr import --finalize --out \(out)")
            }
        }

        /// Warns (stderr) about imported samples stored without PSNR because their size differs from
        /// the modcropped HR image.
        func warnMissingPSNR() throws {
            let r = try Release.open(URL(fileURLWithPath: out))
            let hr = Dictionary(r.images.images.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            let missing = r.samples.filter { $0.psnr == nil && $0.labels.family != "reference" }
            guard let first = missing.first else { return }
            let scale = first.labels.scaleFactor ?? 1
            let expected = hr[first.image].map { "\($0.width / scale * scale)x\($0.height / scale * scale)" } ?? "?"
            FileHandle.standardError.write(Data(("warning: \(missing.count) of \(r.samples.count) samples have no PSNR: their size differs from "
                + "the modcropped HR image (e.g. \(first.key) is \(first.width)x\(first.height), HR modcropped to x\(scale) is \(expected)); "
                + "`sisr inspect` leaves them out of the mean\n").utf8))
        }
    }
}
