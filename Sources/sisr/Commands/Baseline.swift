import ArgumentParser
import Baselines
import DatasetLoader
import Foundation
import SISRCore

extension SISRCommand {
    struct Baseline: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a reference baseline on a protocol's train split and predict its test split.",
            discussion: """
                acutance: variance of the Laplacian of the grey center crop, 20-nearest-neighbour vote (the \
                paper's baseline). prnu: BM3D noise residual, nearest class fingerprint (Marra et al., the \
                paper's baseline). spectral: log-magnitude spectrum features, L2 logistic regression. Writes \
                a predictions file (JSON Lines) for `sisr evaluate`.
                """)

        enum Name: String, ExpressibleByArgument, CaseIterable {
            case acutance, prnu, spectral
        }

        @Argument(help: "Baseline: acutance, prnu or spectral.")
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

        func validate() throws {
            guard crop >= 1 else { throw ValidationError("--crop must be at least 1.") }
            guard k >= 1 else { throw ValidationError("--k must be at least 1.") }
            guard l2 >= 0 else { throw ValidationError("--l2 must not be negative.") }
            guard iterations >= 0 else { throw ValidationError("--iterations must not be negative.") }
            guard sigma > 0 else { throw ValidationError("--sigma must be positive.") }
        }

        func run() throws {
            let experiment = try ExperimentProtocol.load(nameOrPath: `protocol`)
            var data = try ProtocolData(release: URL(fileURLWithPath: release), experiment: experiment)
            let progress = ProgressReporter(total: data.train.samples.count + data.test.samples.count, label: name.rawValue)
            data.onImage = { progress.advance() }
            let predictions: [Prediction]
            switch name {
            case .acutance: predictions = try BaselineRunner.acutance(data, k: k, crop: crop)
            case .spectral: predictions = try BaselineRunner.spectral(data, crop: crop, l2: l2, iterations: iterations)
            case .prnu:
                let d: any Denoiser = denoiser == .bm3d ? BM3D(sigma: sigma) : WaveletDenoiser(sigma: sigma)
                predictions = try BaselineRunner.prnu(data, crop: crop, denoiser: d,
                                                      match: match == .euclidean ? .euclidean : .correlation)
            }
            progress.finish()
            try Predictions.write(predictions, to: URL(fileURLWithPath: out))
            let correct = zip(predictions, data.task.samples).filter { $0.label == data.task.truth($1) }.count
            print("\(name.rawValue) on \(experiment.name): \(data.train.samples.count) train, "
                + "\(predictions.count) test samples, \(data.classes.count) classes; "
                + String(format: "test accuracy %.1f%%", 100 * Double(correct) / Double(max(predictions.count, 1)))
                + "; wrote \(out)")
        }
    }
}
