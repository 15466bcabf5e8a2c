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
        // Packing, compressing and writing shard k overlaps with rendering shard k+1 (at most one
        // shard in flight); the bytes do not depend on it.
        let committer = ShardCommitter()
        for (n, shard) in mine.enumerated() {
            try committer.check()
            if try layout.isDone(shard) {
                report.shardsSkipped += 1
                for _ in shard.samples { run.onSample?() }
                run.onShard?(n + 1, mine.count, shard.path, true)
                continue
            }
            let rendered = try renderAll(shard, renderer: renderer, threads: run.threads, times: &report.times, onSample: run.onSample)
            report.shardsBuilt += 1
            report.samplesRendered += rendered.count
            let level = plan.zstdLevel, onShard = run.onShard, count = mine.count
            committer.submit { times in
                let (bytes, marker) = try ShardWriter.pack(rendered, planned: shard, zstdLevel: level, times: &times)
                times.io += try seconds { try layout.commit(shard: shard, bytes: bytes, marker: marker) }
                onShard?(n + 1, count, shard.path, false)
            }
        }
        report.times = report.times + (try committer.finish())
        if run.workers == 1 {
            var t = StageTimes()
            t.io = try seconds { report.manifest = try finalize(outDirectory: run.outDirectory) }
            report.times = report.times + t
        }
        report.wallSeconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return report
    }

    /// Renders the samples of one shard on `threads` threads; the result order is the plan order.
    static func renderAll(_ shard: PlannedShard, renderer: SampleRenderer, threads: Int, times: inout StageTimes,
                          onSample: (@Sendable () -> Void)?) throws -> [RenderedSample] {
        let n = shard.samples.count
        let box = ResultBox(count: n)
        DispatchQueue.concurrentPerform(iterations: min(threads, n)) { _ in
            var local = StageTimes()
            while let i = box.next() {
                do {
                    let r = try renderer.render(shard.samples[i], split: shard.split, times: &local)
                    box.set(i, r)
                    onSample?()
                } catch {
                    box.fail(i, error)
                }
            }
            box.addTimes(local)
        }
        times = times + box.stageTimes
        return try box.results()
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
            png: .init(compressionLevel: 0, filter: "up"), zstd: .init(level: plan.zstdLevel),
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

/// Runs shard packing and writing on one background thread, one shard at a time.
final class ShardCommitter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "sisr.shard-writer")
    private let group = DispatchGroup()
    private var error: Error?
    private var times = StageTimes()
    private let lock = NSLock()

    /// Waits for the previous shard, then starts `job` in the background.
    func submit(_ job: @escaping @Sendable (inout StageTimes) throws -> Void) {
        group.wait()
        queue.async(group: group) {
            var t = StageTimes()
            do { try job(&t) } catch {
                self.lock.lock()
                if self.error == nil { self.error = error }
                self.lock.unlock()
            }
            self.lock.lock()
            self.times = self.times + t
            self.lock.unlock()
        }
    }

    /// Rethrows the error of a finished job, if any.
    func check() throws {
        lock.lock(); defer { lock.unlock() }
        if let error { throw error }
    }

    /// Waits for the last job; returns the summed stage times or rethrows the first error.
    func finish() throws -> StageTimes {
        group.wait()
        try check()
        lock.lock(); defer { lock.unlock() }
        return times
    }
}

/// Collects per-sample results from worker threads.
final class ResultBox: @unchecked Sendable {
    private var slots: [RenderedSample?]
    private var nextIndex = 0
    private var firstError: (Int, Error)?
    private var times = StageTimes()
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func next() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard firstError == nil, nextIndex < slots.count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }
    func set(_ i: Int, _ r: RenderedSample) { lock.lock(); slots[i] = r; lock.unlock() }
    func fail(_ i: Int, _ e: Error) {
        lock.lock(); defer { lock.unlock() }
        if firstError == nil || i < firstError!.0 { firstError = (i, e) }
    }
    func addTimes(_ t: StageTimes) { lock.lock(); times = times + t; lock.unlock() }
    func results() throws -> [RenderedSample] {
        lock.lock(); defer { lock.unlock() }
        if let (_, e) = firstError { throw e }
        return slots.map { $0! }
    }
    var stageTimes: StageTimes { lock.lock(); defer { lock.unlock() }; return times }
}
