import ArgumentParser
import Baselines
import DatasetLoader
import Foundation
import SISRCore
import SISRTraining
import SRModels

extension CNNBaseline.Schedule: ExpressibleByArgument {}

extension SISRCommand {
    struct Baseline: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a reference baseline on a protocol's train split and predict its test split.",
            discussion: """
                acutance: variance of the Laplacian of the grey center crop, 20-nearest-neighbour vote (the \
                paper's baseline). prnu: BM3D noise residual, nearest class fingerprint (Marra et al., the \
                paper's baseline). spectral: log-magnitude spectrum features, L2 logistic regression. cnn: \
                the attribution network of Yu et al. (ICCV 2019) trained on CPU. Writes a predictions file \
                (JSON Lines) for `sisr evaluate`.

                Many machines (acutance, prnu, spectral): run `sisr baseline NAME --worker I --workers N \
                --out OUT ...` on each (or set SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT, or \
                JOB_COMPLETION_INDEX and --workers); each writes OUT.part-I-of-N.json. Then `sisr baseline \
                NAME --merge --out OUT ...` with the same options writes the predictions, byte-identical to a \
                one-machine run. cnn trains on one machine (use --threads).
                """)

        enum Name: String, ExpressibleByArgument, CaseIterable {
            case acutance, prnu, spectral, cnn
        }

        @Argument(help: "Baseline: acutance, prnu, spectral or cnn.")
        var name: Name

        @Option(help: "Protocol name (manifests/protocols/NAME.json) or path to a protocol file.")
        var `protocol`: String

        @Option(help: "Release directory (with manifest.json and index.jsonl).")
        var release: String

        @Option(help: "Predictions file to write (JSON Lines).")
        var out: String

        @Option(help: "Side of the square center crop (smaller images use their shorter side).")
        var crop: Int = 224

        @Option(help: "acutance: number of neighbours.")
        var k: Int = 20

        @Option(help: "spectral: L2 regularisation of the weights.")
        var l2: Double = 1e-3

        @Option(help: "spectral: full-batch gradient steps.")
        var iterations: Int = 1000

        enum DenoiserName: String, ExpressibleByArgument, CaseIterable { case bm3d, wavelet }
        enum MatchName: String, ExpressibleByArgument, CaseIterable { case euclidean, correlation }

        @Option(help: "prnu: denoiser, bm3d (the paper) or wavelet (classic camera PRNU, faster).")
        var denoiser: DenoiserName = .bm3d

        @Option(help: "prnu: noise level on the 0-255 scale.")
        var sigma: Double = 5

        @Option(help: "prnu: nearest fingerprint by euclidean distance (the paper) or highest correlation.")
        var match: MatchName = .euclidean

        @Option(help: "cnn: side of the square training (random) and test (grid) crops, a power of two.")
        var patch: Int = 32

        @Option(help: "cnn: passes over the train split.")
        var epochs: Int = 160

        @Option(help: "cnn: images per training step.")
        var batch: Int = 16

        @Option(help: "cnn: Adam learning rate.")
        var lr: Double = 0.002

        @Option(help: "cnn: seed of the initial weights, the order and the crops.")
        var seed: UInt64 = 0

        @Option(help: "cnn: feature maps, nf(s) = min(fmap-base / 2^s, fmap-max) (Yu et al.: 1024 and 512).")
        var fmapBase: Int = 256

        @Option(help: "cnn: most feature maps of a layer.")
        var fmapMax: Int = 64

        @Option(help: "cnn: training crops start at multiples of this many pixels (8 keeps the upsampling phase; 1 = anywhere).")
        var cropAlign: Int = 1

        @Flag(help: "cnn: mirror training crops at random (the official recipe does).")
        var hflip = false

        @Option(help: "cnn: learning rate over training, constant or cosine (decay to 0).")
        var schedule: CNNBaseline.Schedule = .cosine

        @Option(help: "cnn: test crops start at multiples of this many pixels (default: a quarter of the patch).")
        var testStride: Int?

        @Option(help: "cnn: feed each pixel minus its 3x3 mean, times this gain (0: the image in [-1, 1], as Yu et al.).")
        var highpass: Float = 16

        @Option(help: "cnn: write the trained network to this file (safetensors) for --model.")
        var saveModel: String?

        @Option(help: "cnn: predict with the network in this file (from --save-model) instead of training one.")
        var model: String?

        @OptionGroup var threads: ThreadsOption

        @Option(help: "This machine's index, 0-based (default: SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX).")
        var worker: Int?

        @Option(help: "Number of machines (default: SLURM_ARRAY_TASK_COUNT).")
        var workers: Int?

        @Flag(help: "Merge the workers' OUT.part-I-of-N.json files into the predictions file.")
        var merge = false

        func validate() throws {
            guard crop >= 1 else { throw ValidationError("--crop must be at least 1.") }
            guard k >= 1 else { throw ValidationError("--k must be at least 1.") }
            guard l2 >= 0 else { throw ValidationError("--l2 must not be negative.") }
            guard iterations >= 0 else { throw ValidationError("--iterations must not be negative.") }
            guard sigma > 0 else { throw ValidationError("--sigma must be positive.") }
            guard patch >= 8, patch & (patch - 1) == 0 else { throw ValidationError("--patch must be a power of two of at least 8 (e.g. 64).") }
            guard epochs >= 0 else { throw ValidationError("--epochs must not be negative.") }
            guard batch >= 1 else { throw ValidationError("--batch must be at least 1.") }
            guard lr > 0 else { throw ValidationError("--lr must be positive.") }
            guard fmapBase >= 1, fmapMax >= 1 else { throw ValidationError("--fmap-base and --fmap-max must be positive.") }
            guard cropAlign >= 1 else { throw ValidationError("--crop-align must be at least 1.") }
            guard highpass >= 0, highpass.isFinite else { throw ValidationError("--highpass must be a number >= 0.") }
            guard (testStride ?? 1) >= 1 else { throw ValidationError("--test-stride must be at least 1.") }
            guard model == nil || saveModel == nil else { throw ValidationError("--model and --save-model exclude each other (a loaded network is not retrained).") }
            guard name == .cnn || (model == nil && saveModel == nil) else { throw ValidationError("--model and --save-model are options of cnn.") }
            let (_, n) = try WorkerIndex.resolve(worker: worker, workers: workers, env: ProcessInfo.processInfo.environment)
            if name == .cnn && (n > 1 || merge) {
                throw ValidationError("cnn trains on one machine: it takes no --worker/--workers/--merge (use --threads); see the README, \"Baselines at corpus scale\".")
            }
        }

        func run() throws {
            try EngineSettings.current.with(threads: threads.count).run { try runBaseline() }
        }

        /// The baseline as per-sample work plus a final step (nil for cnn, which trains on one machine).
        var splittable: (any SplittableBaseline)? {
            switch name {
            case .acutance: return AcutanceBaseline(k: k, crop: crop)
            case .spectral: return SpectralBaseline(crop: crop, l2: l2, iterations: iterations)
            case .prnu:
                let d: any Denoiser = denoiser == .bm3d ? BM3D(sigma: sigma) : WaveletDenoiser(sigma: sigma)
                return PRNUProtocolBaseline(crop: crop, denoiser: d, match: match == .euclidean ? .euclidean : .correlation)
            case .cnn: return nil
            }
        }

        func runBaseline() throws {
            let experiment = try ExperimentProtocol.load(nameOrPath: `protocol`)
            var data = try ProtocolData(release: URL(fileURLWithPath: release), experiment: experiment)
            let outURL = URL(fileURLWithPath: out)
            guard let b = splittable else {
                var cnn = CNNBaseline()
                (cnn.patch, cnn.epochs, cnn.batchSize, cnn.learningRate) = (patch, epochs, batch, lr)
                (cnn.seed, cnn.fmapBase, cnn.fmapMax, cnn.hflip, cnn.cropAlign) = (seed, fmapBase, fmapMax, hflip, cropAlign)
                (cnn.schedule, cnn.testStride, cnn.highpass) = (schedule, testStride, highpass)
                let progress = ProgressReporter(total: cnn.workCount(data, training: model == nil), label: "cnn")
                let tty = isatty(2) != 0
                let net: AttributionNetwork
                if let model {
                    (net, cnn.highpass) = try CNNModelFile.load(URL(fileURLWithPath: model), classes: data.classes)
                } else {
                    net = try cnn.train(data, onStep: { progress.advance() }, onEpoch: { epoch, loss in
                        guard tty else { return }
                        FileHandle.standardError.write(Data(("\r\u{1B}[K" + String(format: "epoch %d/%d: mean training loss %.4f\n", epoch + 1, epochs, loss)).utf8))
                    })
                    if let saveModel {
                        try CNNModelFile.save(net, classes: data.classes, settings: cnn, to: URL(fileURLWithPath: saveModel))
                    }
                }
                let predictions = try cnn.predict(net, data, onStep: { progress.advance() })
                progress.finish()
                return try write(predictions, data: data)
            }
            let predictions: [Prediction]
            if merge {
                let parts = try BaselinePartial.readAll(
                    out: outURL, baseline: b.name, settings: b.settings, protocolName: experiment.name,
                    manifestSHA256: try data.manifestSHA256(), trainCount: data.train.samples.count, testCount: data.test.samples.count)
                predictions = try b.finish(data, parts: parts)
                print("Merged \(parts.count) partial results.")
            } else {
                let (w, n) = try WorkerIndex.resolve(worker: worker, workers: workers, env: ProcessInfo.processInfo.environment)
                let share = try WorkerShare(worker: w, workers: n)
                let progress = ProgressReporter(total: b.imageCount(data, share: share), label: n > 1 ? "\(name.rawValue) \(w)/\(n)" : name.rawValue)
                data.onImage = { progress.advance() }
                let part = try b.extract(data, share: share)
                progress.finish()
                if n > 1 {
                    let url = BaselinePartial.url(out: outURL, worker: w, workers: n)
                    try part.write(to: url)
                    print("Worker \(w) of \(n) done: \(part.trainPositions.count) train and \(part.testPositions.count) test samples in \(url.path). "
                        + "When all workers are done: sisr baseline \(name.rawValue) --merge --out \(out) (with the same options)")
                    return
                }
                predictions = try b.finish(data, parts: [part])
            }
            try write(predictions, data: data)
        }

        func write(_ predictions: [Prediction], data: ProtocolData) throws {
            try Predictions.write(predictions, to: URL(fileURLWithPath: out))
            let correct = zip(predictions, data.task.samples).filter { $0.label == data.task.truth($1) }.count
            print("\(name.rawValue) on \(data.experiment.name): \(data.train.samples.count) train, "
                + "\(predictions.count) test samples, \(data.classes.count) classes; "
                + String(format: "test accuracy %.1f%%", 100 * Double(correct) / Double(max(predictions.count, 1)))
                + "; wrote \(out)")
        }
    }
}
