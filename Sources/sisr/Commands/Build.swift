import ArgumentParser
import DatasetBuilder
import Foundation
import SISRCore
import SRModels

extension SISRCommand {
    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build a release: run zoo models over images into zstd tar shards with a manifest and CHECKSUMS.",
            discussion: """
                With no arguments, builds the built-in default (30 procedural images, the demo zoo) into \
                ./release. Many machines: run `sisr build --worker I --workers N --out DIR` on each (or set \
                SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX and --workers), then \
                `sisr build --finalize --out DIR`.
                """)

        @Option(help: "Release folder to write.") var out = "release"
        @Option(help: "Images: `procedural` (built-in) or a folder of PNG files.") var images = "procedural"
        @Option(help: "Procedural images: how many.") var count = 30
        @Option(help: "Procedural images: WIDTHxHEIGHT.") var size = "128x96"
        @Option(help: "Procedural images: seed.") var imageSeed: UInt64 = 0
        @Option(help: "Zoo: `demo` (built-in), `paper` (manifests/zoo.json) or a zoo JSON file.") var zoo = "demo"
        @Option(help: "Only these models (comma-separated names).") var models: String?
        @Option(help: "A frozen splits JSON file (default: derive 80/10/10 from --seed).") var splits: String?
        @Option(help: "Folder holding weight files named as in the zoo.") var weights: String?
        @Option(help: "Release seed (splits, sample order).") var seed: UInt64 = 0
        @Option(help: "Samples per shard.") var samplesPerShard = 64
        @Option(help: "zstd level of the shards.") var zstdLevel = 9
        @Option(help: "Rows per band of the PNG members (one zstd frame per band; docs/FORMAT.md).") var bandRows = ReleaseManifest.defaultBandRows
        @Flag(name: [.customLong("keep-reference"), .customLong("keep-hr")],
              help: "Also store each HR image and LR input as reference samples (family \"reference\").")
        var keepReference = false
        @OptionGroup var threads: ThreadsOption
        @Option(help: "This machine's index, 0-based (default: SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX).") var worker: Int?
        @Option(help: "Number of machines (default: SLURM_ARRAY_TASK_COUNT).") var workers: Int?
        @Flag(help: "Merge the finished workers' shards into the release (after all workers are done).") var finalize = false
        @Flag(help: "Replace an existing release or a different unfinished build in --out.") var force = false
        @Flag(help: "Print the time split between pipeline stages and the throughput.") var profile = false
        @Option(help: "Arithmetic of the pixels, as a manifest's tool.kernels names it (default \(EngineSettings.processDefault.kernels); fma-chain-1+winograd-f2 rebuilds a release made with Winograd F(2x2,3x3)).")
        var kernels: String?

        func validate() throws {
            if images == "procedural" { _ = try Self.parseSize(size) } else { try Self.checkFolder(images, option: "--images") }
            if let splits, !FileManager.default.fileExists(atPath: splits) {
                throw ValidationError("--splits \(splits): file not found (e.g. manifests/splits/flickr1k.json)")
            }
            _ = try WorkerIndex.resolve(worker: worker, workers: workers, env: ProcessInfo.processInfo.environment)
            if let weights { try Self.checkFolder(weights, option: "--weights") }
            if let kernels, EngineSettings.current.with(kernels: kernels) == nil {
                throw ValidationError("--kernels \(kernels): not a kernel family this sisr computes (e.g. \(SISRVersion.kernels)+winograd-f4, \(SISRVersion.kernels)+winograd-f2, \(SISRVersion.kernels)+im2col).")
            }
        }

        func run() throws {
            guard let kernels, let settings = EngineSettings.current.with(kernels: kernels) else { return try build() }
            try settings.run { try build() }
        }

        private func build() throws {
            let outURL = URL(fileURLWithPath: out)
            if finalize {
                let m = try DatasetBuilder.finalize(outDirectory: outURL)
                print("Finalized \(out): \(m.inputs.index.samples) samples in \(m.shards.count) shards.")
                printNext()
                return
            }
            let options = try buildOptions()
            if case let .folder(dir) = options.images { FolderReport.printScan(dir) }
            let (worker, workers) = try WorkerIndex.resolve(worker: worker, workers: workers, env: ProcessInfo.processInfo.environment)
            var run = RunOptions(outDirectory: outURL)
            run.threads = threads.count
            run.worker = worker
            run.workers = workers
            run.force = force
            let tty = isatty(2) != 0
            let plan = try BuildPlan.make(options, threads: run.threads)
            let total = plan.shards(worker: worker, of: workers).reduce(0) { $0 + $1.samples.count }
            let progress = ProgressReporter(total: total, label: "build")
            run.onSample = { progress.advance() }
            if !tty {
                run.onShard = { n, of, path, skipped in
                    FileHandle.standardError.write(Data("shard \(n)/\(of) \(skipped ? "already done" : "written"): \(path)  (\(progress.line()))\n".utf8))
                }
            }
            for u in plan.unavailable { FileHandle.standardError.write(Data("unavailable: \(u.model): \(u.reason)\n".utf8)) }
            for warning in Self.splitWarnings(plan.splits) { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
            let report = try DatasetBuilder.execute(plan, options: options, run: run)
            if report.alreadyComplete, let m = report.manifest {
                print("\(out) already holds the finished release of these options (\(m.inputs.index.samples) samples in \(m.shards.count) shards): nothing to do.")
                printNext()
                return
            }
            progress.finish()
            print("Built \(report.samplesRendered) samples in \(report.shardsBuilt) shards (\(report.shardsSkipped) already done) in \(String(format: "%.1f", report.wallSeconds)) s.")
            if !plan.unavailable.isEmpty { print("\(plan.unavailable.count) models unavailable (listed in manifest.json \"unavailable\").") }
            if profile { printProfile(report, threads: run.threads) }
            if report.manifest != nil {
                print("Release written to \(outURL.standardizedFileURL.path)")
                printNext()
            } else {
                print("Worker \(worker) of \(workers) done. When all workers are done: sisr build --finalize --out \(out)")
            }
        }

        func printNext() {
            print("Verify:  sisr verify \(out)   (or: cd \(out) && sha256sum -c CHECKSUMS)")
            print("Inspect: sisr inspect \(out)")
            let patch = (try? Release.open(URL(fileURLWithPath: out))).map { Self.suggestedPatch($0.samples) } ?? 224
            let (cli, py) = patch == 224 ? ("", "") : (" --patch \(patch)", ", patch=\(patch)")
            print("Load:    sisr load-bench \(out)\(cli)   or in Python: sisr_loader.Loader(\"\(out)\"\(py))")
        }

        /// 224 (the loader's default, the paper's ConvNeXt crop) when every sample is at least that
        /// large, else the largest power of two that fits the smallest sample side (64 for 128x96).
        static func suggestedPatch(_ samples: [SampleRecord]) -> Int {
            suggestedPatch(smallestSide: samples.map { min($0.width, $0.height) }.min())
        }

        static func suggestedPatch(smallestSide: Int?) -> Int {
            let side = smallestSide ?? 224
            if side >= 224 { return 224 }
            var p = 1
            while p * 2 <= side { p *= 2 }
            return p
        }

        /// Warnings for splits without images (the loader and the baselines refuse an empty split).
        static func splitWarnings(_ s: Splits) -> [String] {
            let counts = Splits.names.map { "\($0) \(s[$0]!.count)" }.joined(separator: ", ")
            return Splits.names.filter { s[$0]!.isEmpty }.map {
                "split \($0) has no images (\(counts)); loading or evaluating it will fail. Use more images or a --splits file."
            }
        }

        /// Refuses a folder option that names nothing or a file.
        static func checkFolder(_ path: String, option: String) throws {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
                throw ValidationError("\(option) \(path): no such folder")
            }
            guard isDir.boolValue else { throw ValidationError("\(option) \(path): is a file, not a folder") }
        }

        /// `WIDTHxHEIGHT` as two integers.
        static func parseSize(_ text: String) throws -> (Int, Int) {
            let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
            guard parts.count == 2, let w = parts[0], let h = parts[1] else {
                throw ValidationError("--size must be WIDTHxHEIGHT, e.g. 128x96 (got \"\(text)\")")
            }
            return (w, h)
        }

        func printProfile(_ r: BuildReport, threads: Int) {
            let n = Double(max(r.samplesRendered, 1))
            print(String(format: "profile: %d samples, %.2f s wall, %.1f images/s on %d threads", r.samplesRendered, r.wallSeconds, n / r.wallSeconds, threads))
            let total = r.times.named.reduce(0) { $0 + $1.1 }
            for (name, t) in r.times.named {
                let label = name.padding(toLength: 10, withPad: " ", startingAt: 0)
                print("  " + label + String(format: "%8.3f s  %5.1f%%  %7.2f ms/image", t, total > 0 ? t / total * 100 : 0, t / n * 1000))
            }
        }

        func buildOptions() throws -> BuildOptions {
            var o = BuildOptions()
            if images == "procedural" {
                let (w, h) = try Self.parseSize(size)
                o.images = .procedural(seed: imageSeed, count: count, width: w, height: h)
            } else {
                o.images = .folder(URL(fileURLWithPath: images))
            }
            (o.zoo, o.zooName) = try ZooSource.load(zoo)
            o.models = models.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
            if let s = splits {
                let url = URL(fileURLWithPath: s)
                guard let data = FileManager.default.contents(atPath: url.path) else {
                    throw SISRError.io(path: url.path, problem: "cannot read splits file")
                }
                let parsed = try CanonicalJSON.decode(Splits.self, from: [UInt8](data), path: url.path)
                try parsed.validate(path: url.path)
                o.splits = parsed
                o.splitsName = url.lastPathComponent
            }
            o.weightsDirectory = weights.map { URL(fileURLWithPath: $0) }
            o.seed = seed
            o.samplesPerShard = samplesPerShard
            o.zstdLevel = zstdLevel
            o.bandRows = bandRows
            o.keepReference = keepReference
            return o
        }

        /// ``WorkerIndex/resolve(worker:workers:env:)`` (kept for `sisr import`).
        static func workerIndex(worker: Int?, workers: Int?, env: [String: String]) throws -> (Int, Int) {
            try WorkerIndex.resolve(worker: worker, workers: workers, env: env)
        }
    }
}
