import Foundation
import SISRCore
import SRModels

/// Run-only settings: they never change the output bytes.
public struct RunOptions: Sendable {
    public var outDirectory: URL
    public var threads: Int = 1
    public var worker: Int = 0
    public var workers: Int = 1
    /// Replace an existing release, or a build in progress with a different plan.
    public var force: Bool = false
    /// Called after each finished sample (progress bars).
    public var onSample: (@Sendable () -> Void)? = nil
    /// Called after each shard: (shards done or skipped so far, shards of this worker, shard path, skipped).
    public var onShard: (@Sendable (Int, Int, String, Bool) -> Void)? = nil

    public init(outDirectory: URL) { self.outDirectory = outDirectory }
}

/// What a build run did.
public struct BuildReport: Sendable {
    public var plan: BuildPlan
    public var shardsBuilt: Int
    public var shardsSkipped: Int
    public var samplesRendered: Int
    public var times: StageTimes
    public var wallSeconds: Double
    /// The finished release's manifest (nil when this was one worker of several).
    public var manifest: ReleaseManifest?
    /// True if the output folder already held this finished release, so nothing was done.
    public var alreadyComplete = false
}

/// Builds releases from a plan (``BuildPlan/make(_:)``, made once by the caller): render the shards
/// of this worker (resuming finished ones), finalize.
public enum DatasetBuilder {
    /// Renders and writes this worker's shards of `plan` into `run.outDirectory`; with one worker,
    /// finalizes the release. `options` are the options the plan was made from (they say where the
    /// pixels and the weights are). Shards already finished by an earlier, interrupted run of the
    /// same plan are kept (their marker and SHA-256 are checked).
    public static func execute(_ plan: BuildPlan, options: BuildOptions, run: RunOptions) throws -> BuildReport {
        guard plan.command == options.command else {
            throw SISRError.invalidArgument("the plan was made from other options (\(plan.command.joined(separator: " ")), not \(options.command.joined(separator: " ")))")
        }
        guard run.workers >= 1, (0..<run.workers).contains(run.worker) else {
            throw SISRError.invalidArgument("--worker must be in 0..<--workers (got worker \(run.worker) of \(run.workers))")
        }
        guard run.threads >= 1 else { throw SISRError.invalidArgument("--threads must be at least 1") }
        let start = DispatchTime.now().uptimeNanoseconds
        let layout = ReleaseLayout(root: run.outDirectory)
        if let done = try layout.prepare(plan: plan, planBytes: try CanonicalJSON.encode(plan, pretty: true), force: run.force,
                                         cleanTemporaries: run.workers == 1) {
            return BuildReport(plan: plan, shardsBuilt: 0, shardsSkipped: plan.shards(worker: run.worker, of: run.workers).count,
                               samplesRendered: 0, times: StageTimes(),
                               wallSeconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, manifest: done,
                               alreadyComplete: true)
        }

        let renderer = SampleRenderer(plan: plan, images: options.images, models: ModelCache(zoo: plan.zoo, factory: options.modelFactory),
                                      corpus: options.importCorpus)
        let mine = plan.shards(worker: run.worker, of: run.workers)
        var report = BuildReport(plan: plan, shardsBuilt: 0, shardsSkipped: 0, samplesRendered: 0, times: StageTimes(),
                                 wallSeconds: 0, manifest: nil)
        // Which shards are left to render (a resumed build keeps the finished ones).
        var todo = [(n: Int, shard: PlannedShard)]()
        var skipped = [Bool]()
        for (n, shard) in mine.enumerated() {
            let done = try layout.isDone(shard)
            skipped.append(done)
            if !done { todo.append((n, shard)) }
        }
        // Reports the finished shards before shard `n` not reported yet (in plan order, as a
        // sequential build meets them).
        var reported = 0
        func reportSkipped(upTo n: Int) {
            while reported < n {
                if skipped[reported] {
                    report.shardsSkipped += 1
                    for _ in mine[reported].samples { run.onSample?() }
                    run.onShard?(reported + 1, mine.count, mine[reported].path, true)
                }
                reported += 1
            }
        }
        // One work item per sample of the shards to render, in plan order. Samples render, and are
        // framed and compressed, on `run.threads` workers; each shard is put together and written on
        // this thread as soon as its last sample is in, while the workers render the next shard (at
        // most one shard ahead).
        let items = todo.indices.flatMap { t in todo[t].shard.samples.indices.map { (t, $0) } }
        // The engine's threads are shared out between the sample workers (a network runs on
        // `engine threads / run.threads` of them), so the machine is not oversubscribed.
        let settings = EngineSettings.current.with(threads: max(1, EngineSettings.current.threads / run.threads))
        let onSample = run.onSample
        var pending = [RenderedSample]()
        try Parallel.forEachInOrder(items.count, threads: run.threads, window: plan.samplesPerShard, produce: { i in
            let (t, s) = items[i]
            var times = StageTimes()
            let sample = try settings.run { try renderer.render(todo[t].shard.samples[s], split: todo[t].shard.split, times: &times) }
            onSample?()
            return (sample, times)
        }, consume: { i, rendered in
            let (t, s) = items[i]
            let (n, shard) = todo[t]
            if s == 0 { reportSkipped(upTo: n) }
            report.times = report.times + rendered.1
            pending.append(rendered.0)
            guard pending.count == shard.samples.count else { return }
            let (bytes, marker) = ShardWriter.pack(pending, planned: shard, zstdLevel: plan.zstdLevel, times: &report.times)
            report.times.io += try seconds { try layout.commit(shard: shard, bytes: bytes, marker: marker) }
            report.shardsBuilt += 1
            report.samplesRendered += pending.count
            pending.removeAll()
            reported = n + 1
            run.onShard?(n + 1, mine.count, shard.path, false)
        })
        reportSkipped(upTo: mine.count)
        if run.workers == 1 {
            var t = StageTimes()
            t.io = try seconds { report.manifest = try finalize(outDirectory: run.outDirectory) }
            report.times = report.times + t
        }
        report.wallSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return report
    }

    /// Merges the finished shards' markers into `index.jsonl`, writes `zoo.json`, `splits.json`,
    /// `images.json`, `CHECKSUMS` and finally `manifest.json`, and removes the build state.
    /// - Throws: naming each shard that is missing or not finished.
    @discardableResult
    public static func finalize(outDirectory: URL) throws -> ReleaseManifest {
        let layout = ReleaseLayout(root: outDirectory)
        let plan = try layout.readPlan()
        var markers = [ShardMarker]()
        var missing = [String]()
        for s in plan.shards {
            if let m = try layout.marker(s), layout.fileSize(s.path) == m.shard.bytes { markers.append(m) } else { missing.append(s.path) }
        }
        guard missing.isEmpty else {
            throw SISRError.invalidArgument("\(outDirectory.path): cannot finalize, \(missing.count) of \(plan.shards.count) shards are not finished: \(missing.prefix(10).joined(separator: ", "))\(missing.count > 10 ? ", ..." : "") (run the remaining workers first)")
        }
        var index = [UInt8]()
        for m in markers { for s in m.samples { index += try CanonicalJSON.encode(s); index.append(0x0A) } }
        let zoo = try CanonicalJSON.encode(plan.zoo, pretty: true)
        let splits = try CanonicalJSON.encode(plan.splits, pretty: true)
        let images = try CanonicalJSON.encode(plan.images, pretty: true)
        var splitSamples = [String: Int]()
        for m in markers { splitSamples[m.shard.split, default: 0] += m.shard.samples }
        let manifest = ReleaseManifest(
            command: plan.command, seed: plan.seed,
            inputs: .init(zoo: .init(path: "zoo.json", sha256: SHA256Hasher.hex(zoo)),
                          splits: .init(path: "splits.json", sha256: SHA256Hasher.hex(splits)),
                          images: .init(path: "images.json", sha256: SHA256Hasher.hex(images)),
                          index: .init(path: "index.jsonl", sha256: SHA256Hasher.hex(index), samples: markers.reduce(0) { $0 + $1.samples.count })),
            png: .init(compressionLevel: 0, filter: "up", bandRows: plan.rowsPerBand), zstd: .init(level: plan.zstdLevel),
            samplesPerShard: plan.samplesPerShard, splitSamples: splitSamples, unavailable: plan.unavailable,
            shards: markers.map(\.shard),
            tool: .init(name: "sisr", version: SISRVersion.string, kernels: EngineSettings.current.kernels))
        let manifestBytes = try CanonicalJSON.encode(manifest, pretty: true)
        var sums: [(String, String)] = [("index.jsonl", SHA256Hasher.hex(index)), ("zoo.json", SHA256Hasher.hex(zoo)),
                                        ("splits.json", SHA256Hasher.hex(splits)), ("images.json", SHA256Hasher.hex(images)),
                                        ("manifest.json", SHA256Hasher.hex(manifestBytes))]
        sums += markers.map { ($0.shard.path, $0.shard.sha256) }
        try layout.write("index.jsonl", index)
        try layout.write("zoo.json", zoo)
        try layout.write("splits.json", splits)
        try layout.write("images.json", images)
        try layout.write("CHECKSUMS", Checksums.format(sums))
        try layout.write("manifest.json", manifestBytes)
        layout.removeBuildState()
        layout.removeTemporaryFiles()
        return manifest
    }
}
