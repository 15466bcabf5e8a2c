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

        func validate() throws {
            guard crop >= 1 else { throw ValidationError("--crop must be at least 1.") }
            guard k >= 1 else { throw ValidationError("--k must be at least 1.") }
            guard l2 >= 0 else { throw ValidationError("--l2 must not be negative.") }
            guard iterations >= 0 else { throw ValidationError("--iterations must not be negative.") }
        }

        func run() throws {
            let experiment = try ExperimentProtocol.load(nameOrPath: `protocol`)
            let data = try ProtocolData(release: URL(fileURLWithPath: release), experiment: experiment)
            let predictions: [Prediction]
            switch name {
            case .acutance: predictions = try BaselineRunner.acutance(data, k: k, crop: crop)
            case .spectral: predictions = try BaselineRunner.spectral(data, crop: crop, l2: l2, iterations: iterations)
            case .prnu: predictions = try PRNUBaselineCommand.run(data, crop: crop)
            }
            try Predictions.write(predictions, to: URL(fileURLWithPath: out))
            let correct = zip(predictions, data.task.samples).filter { $0.label == data.task.truth($1) }.count
            print("\(name.rawValue) on \(experiment.name): \(data.train.samples.count) train, "
                + "\(predictions.count) test samples, \(data.classes.count) classes; "
                + String(format: "test accuracy %.1f%%", 100 * Double(correct) / Double(max(predictions.count, 1)))
                + "; wrote \(out)")
        }
    }
}

/// PRNU wiring (Sources/Baselines/PRNU comes from helper/prnu).
enum PRNUBaselineCommand {
    static func run(_ data: ProtocolData, crop: Int) throws -> [Prediction] {
        throw SISRError.invalidArgument("the prnu baseline is not built into this sisr yet")
    }
}
