import ArgumentParser
import DatasetBuilder
import Foundation
import SISRCore

extension SISRCommand {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pack the paper's folder-per-model corpus (HR-HR-HR-HR-HR, <model>/, *-split.txt) into release shards.",
            discussion: "Pixels round-trip exactly; the same --worker/--workers/--finalize options as `sisr build` apply.")

        @Argument(help: "Corpus folder (one folder per model named as in the zoo, plus HR-HR-HR-HR-HR and the split files).")
        var corpus: String
        @Option(help: "Release folder to write.") var out = "release"
        @Option(help: "`paper` (manifests/zoo.json), `demo`, or a zoo JSON file naming the model folders.") var zoo = "paper"
        @Option(help: "Only these model folders (comma-separated).") var models: String?
        @Option(help: "Release seed (sample order).") var seed: UInt64 = 0
        @Option(help: "Samples per shard.") var samplesPerShard = 64
        @Option(help: "zstd level of the shards.") var zstdLevel = 9
        @Option(help: "Threads.") var threads = ProcessInfo.processInfo.activeProcessorCount
        @Option(help: "This machine's index (default: from Slurm or Kubernetes variables).") var worker: Int?
        @Option(help: "Number of machines.") var workers: Int?
        @Flag(help: "Replace an existing release in --out.") var force = false

        func run() throws {
            var o = BuildOptions()
            o.importRoot = URL(fileURLWithPath: corpus)
            o.zoo = try ZooCommand.load(zoo)
            o.zooName = zoo == "paper" || zoo == "demo" ? zoo : URL(fileURLWithPath: zoo).lastPathComponent
            o.models = models.map { $0.split(separator: ",").map(String.init) }
            o.seed = seed
            o.samplesPerShard = samplesPerShard
            o.zstdLevel = zstdLevel
            let (w, n) = try Build.workerIndex(worker: worker, workers: workers, env: ProcessInfo.processInfo.environment)
            var run = RunOptions(outDirectory: URL(fileURLWithPath: out))
            run.threads = max(1, threads)
            run.worker = w
            run.workers = n
            run.force = force
            let plan = try BuildPlan.make(o, factory: ModelFactory())
            let progress = ProgressReporter(total: plan.shards(worker: w, of: n).reduce(0) { $0 + $1.samples.count }, label: "import")
            run.onSample = { progress.advance() }
            let report = try DatasetBuilder.build(o, factory: ModelFactory(), run: run)
            progress.finish()
            print("Imported \(report.samplesRendered) samples into \(report.shardsBuilt) shards (\(report.shardsSkipped) already done).")
            if report.manifest != nil {
                print("Release written to \(out). Verify: sisr verify \(out) --deep")
            } else {
                print("Worker \(w) of \(n) done. When all are done: sisr build --finalize --out \(out)")
            }
        }
    }
}
